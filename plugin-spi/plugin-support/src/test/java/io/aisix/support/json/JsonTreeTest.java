package io.aisix.support.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.support.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link JsonTree} builds what {@code readTree} builds, node classes included. */
class JsonTreeTest {
    private static final ObjectMapper MAPPER = Json.mapper();

    private static String types(JsonNode n) {
        StringBuilder sb = new StringBuilder(n.getClass().getSimpleName());
        n.forEach(c -> sb.append('(').append(types(c)).append(')'));
        return sb.toString();
    }

    @Test
    void sameTreeAsReadTree() throws Exception {
        String[] docs = {
            "{}", "[]", "0", "-0", "-0.0", "1e5", "1.5E-3", "2147483647", "2147483648", "-2147483648", "-2147483649",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "123456789012345678901234567890", "1e400", "4.9e-325", "0.1000000000000000055511151231257827", "true",
            "false", "null", "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\uDC00 é – 😀\"",
            "{\"a\":1,\"b\":[1,2.5,{\"c\":null}],\"a\":{\"d\":\"x\"},\"\\u0065\":true, \"é\" : [ ] }",
            " {\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0}} ",
        };
        for (String doc : docs) {
            byte[] b = doc.getBytes(StandardCharsets.UTF_8);
            JsonTree tree = new JsonTree(b, b.length, MAPPER.getNodeFactory());
            JsonNode node = tree.value(JsonSkip.ws(b, 0, b.length), 0);
            JsonNode expected = MAPPER.readTree(b);
            assertEquals(expected, node, doc);
            assertEquals(types(expected), types(node), doc);
            assertEquals(b.length, JsonSkip.ws(b, tree.end(), b.length), doc);
        }
    }

    @Test
    void cachedNamesNeverStandForOthers() throws Exception {
        // more names than the cache has slots, twice over, with lengths around its bound
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 2_000; i++) {
                String name = "k" + i + "x".repeat(i % 40);
                String doc = "{\"" + name + "\":" + i + ",\"" + name + "y\":0}";
                byte[] b = doc.getBytes(StandardCharsets.UTF_8);
                JsonNode node = new JsonTree(b, b.length, MAPPER.getNodeFactory()).value(0, 0);
                assertEquals(MAPPER.readTree(b), node, doc);
            }
        }
    }

    @Test
    void refusesLikeJsonSkip() {
        for (String bad : new String[] {"{\"a\":01}", "[1,]", "{\"a\" 1}", "\"\\uD800", "{\"\\uDC00\":1}", "tru"}) {
            byte[] b = bad.getBytes(StandardCharsets.UTF_8);
            assertThrows(JsonSkip.MalformedJsonException.class,
                    () -> new JsonTree(b, b.length, MAPPER.getNodeFactory()).value(0, 0), bad);
        }
    }
}
