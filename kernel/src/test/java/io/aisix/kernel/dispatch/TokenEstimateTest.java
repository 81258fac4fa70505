package io.aisix.kernel.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.Usage;
import org.junit.jupiter.api.Test;

class TokenEstimateTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fourCharactersATokenPlusMessagesAndImages() throws Exception {
        long text = TokenEstimate.estimate(JSON.readTree("""
                {"model":"ignored-model-name","messages":[{"role":"user","content":"%s"}]}""".formatted("a".repeat(400))));
        // 400 characters of content + "role", "user", "content" keys and values, + 4 for the message
        assertTrue(text >= 104 && text <= 110, Long.toString(text));
        long image = TokenEstimate.estimate(JSON.readTree("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"data":"%s"}}]}]}"""
                .formatted("A".repeat(100_000))));
        assertTrue(image >= 1600 && image < 1700, "base64 data is not counted as text: " + image);
        assertEquals(0, TokenEstimate.estimate(JSON.readTree("{\"model\":\"m\"}")));
    }

    @Test
    void usageInEitherSpellingMergesAcrossEvents() throws Exception {
        assertEquals(new Usage(3, 4), PassthroughForwarder.usageOf(JSON.readTree(
                "{\"prompt_tokens\":3,\"completion_tokens\":4}"), null));
        Usage start = PassthroughForwarder.usageOf(JSON.readTree(
                "{\"input_tokens\":10,\"cache_read_input_tokens\":5,\"output_tokens\":1}"), null);
        assertEquals(new Usage(15, 1), start);
        assertEquals(new Usage(15, 42), PassthroughForwarder.usageOf(JSON.readTree("{\"output_tokens\":42}"), start));
        assertNull(PassthroughForwarder.usageOf(JSON.readTree("{\"search_units\":1}"), null));
        assertNull(PassthroughForwarder.usageOf(JSON.readTree("7"), null));
    }
}
