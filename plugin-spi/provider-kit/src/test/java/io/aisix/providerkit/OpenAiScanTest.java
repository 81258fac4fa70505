package io.aisix.providerkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiScanTest {
    static final String ALIAS = ProviderJson.quote("my \"alias\"");

    private static JsonNode parse(String s) throws Exception {
        return ProviderJson.MAPPER.readTree(s);
    }

    @Test
    void rewritesTopLevelModelOnly() throws Exception {
        String chunk = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024\\\"x\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"model: \\\"a\\\"\",\"model\":\"inner\"},"
                + "\"finish_reason\":null}],\"usage\":null}";
        OpenAiScan s = OpenAiScan.scan(chunk);
        JsonNode out = parse(s.rewriteModel(chunk, ALIAS));
        assertEquals("my \"alias\"", out.path("model").asText());
        assertEquals("inner", out.at("/choices/0/delta/model").asText());
        assertEquals("model: \"a\"", out.at("/choices/0/delta/content").asText());
        assertTrue(s.hasChoice());
        assertFalse(s.finished());
        assertNull(s.usage());
    }

    @Test
    void addsModelWhenAbsent() throws Exception {
        String chunk = "  {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
        OpenAiScan s = OpenAiScan.scan(chunk);
        assertTrue(s.finished());
        assertEquals("my \"alias\"", parse(s.rewriteModel(chunk, ALIAS)).path("model").asText());
        OpenAiScan empty = OpenAiScan.scan("{ }");
        assertEquals("{\"model\":" + ALIAS + " }", empty.rewriteModel("{ }", ALIAS));
    }

    @Test
    void usageOnlyChunk() {
        OpenAiScan s = OpenAiScan.scan("{\"id\":\"x\",\"model\":\"m\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":2}}}");
        assertFalse(s.hasChoice());
        UsageInfo u = UsageInfo.fromOpenAi(s.usage());
        assertEquals(new UsageInfo(3, 4, 2, 0), u);
    }

    @Test
    void skipsLargeArraysAndFindsErrors() {
        StringBuilder big = new StringBuilder("{\"object\":\"list\",\"data\":[{\"embedding\":[");
        for (int i = 0; i < 2000; i++) {
            big.append(i == 0 ? "" : ",").append(i * 0.001);
        }
        big.append("]}],\"model\":\"e\",\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}");
        OpenAiScan s = OpenAiScan.scan(big.toString());
        assertEquals(5, s.usage().path("prompt_tokens").asInt());
        assertTrue(s.rewriteModel(big.toString(), ALIAS).endsWith("\"model\":" + ALIAS
                + ",\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}"));
        assertTrue(OpenAiScan.scan("{\"error\":{\"message\":\"boom\"}}").error());
        assertFalse(OpenAiScan.scan("{\"error\":null}").error());
    }

    @Test
    void rejectsNonObjects() {
        for (String bad : new String[] {"[1]", "not json", "{\"a\":", "\"x\""}) {
            GatewayException e = assertThrows(GatewayException.class, () -> OpenAiScan.scan(bad), bad);
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        }
    }

    @Test
    void bytesAreScannedAndRewrittenByByteOffsetsLikeText() {
        String[] answers = {
            "{\"id\":\"héllo – 😀\",\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"ünïcödé\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":2}}",
            "{\"id\":\"é\",\"choices\":[]}",
            "{ \n }",
        };
        byte[] alias = ALIAS.getBytes(StandardCharsets.UTF_8);
        for (String text : answers) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            OpenAiScan fromBytes = OpenAiScan.scan(bytes);
            OpenAiScan fromText = OpenAiScan.scan(text);
            assertEquals(fromText.rewriteModel(text, ALIAS),
                    new String(fromBytes.rewriteModel(bytes, alias), StandardCharsets.UTF_8), text);
            assertEquals(fromText.finished(), fromBytes.finished());
            assertEquals(fromText.usage(), fromBytes.usage());
        }
        assertThrows(GatewayException.class, () -> OpenAiScan.scan("[1]".getBytes(StandardCharsets.UTF_8)));
    }
}
