package io.aisix.providerkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The upstream body spliced from the caller's bytes must parse to what the tree path writes, for
 * any body; and the splice must step aside where the bytes and the tree could disagree.
 */
class RequestSpliceTest {
    private static final String MODEL = "gpt-4o \"2024\" é\u2028😀";
    private static final String[] KEYS = {"model", "messages", "role", "content", "stream", "stream_options",
        "include_usage", "temperature", "max_tokens", "tools", "n", "mod\\u0065l", "é", "k\\\"q", "", "a:b", "x,y",
        "{", "\\\\"};
    private static final String[] STRINGS = {"", "hi", "model", "\\\"model\\\":1", "é ü 中文 😀", "\\u00e9\\ud83d\\ude00",
        "line\\nbreak\\ttab\\\\", "}{][,:", "\\/", "a\\u0000b"};

    private static JsonNode parse(byte[] json) throws Exception {
        return ProviderJson.MAPPER.readTree(json);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void splicedBodiesParseAsTheTreePathWrites() throws Exception {
        Random random = new Random(20);
        int spliced = 0;
        int total = 0;
        for (int round = 0; round < 20_000; round++) {
            String text = body(random);
            byte[] body = bytes(text);
            JsonNode tree = parse(body);
            if (!(tree instanceof ObjectNode in)) {
                continue;
            }
            total++;
            for (boolean streamUsage : new boolean[] {false, true}) {
                byte[] out = OpenAiProtocol.upstreamBody(body, in, false, MODEL, streamUsage);
                byte[] expected = OpenAiProtocol.treeBody(in, MODEL, streamUsage);
                assertEquals(parse(expected), parse(out), text);
                // the tree is left as the caller sent it
                assertEquals(parse(body), in, text);
                if (!streamUsage && RequestSplice.splice(body, in, bytes(ProviderJson.quote(MODEL)), false) != null) {
                    spliced++;
                }
            }
        }
        // most generated bodies take the splice; the rest exercise the fall-backs
        assertTrue(spliced > total / 3, spliced + " of " + total);
        assertTrue(spliced < total, spliced + " of " + total);
    }

    @Test
    void keepsTheCallersBytesAroundTheModel() {
        String body = " {\"messages\":[{\"model\":\"inner\",\"content\":\"\\\"model\\\":\\\"x\\\"\"}],\n"
                + "  \"model\" : \"alias\\u0020x\" , \"n\":1.50e0}\n";
        byte[] out = RequestSplice.splice(bytes(body), tree(body), bytes("\"up\""), false);
        assertArrayEquals(bytes(body.replace("\"alias\\u0020x\"", "\"up\"")), out);
        byte[] streamed = RequestSplice.splice(bytes(body), tree(body), bytes("\"up\""), true);
        assertArrayEquals(bytes(body.replace("\"alias\\u0020x\"", "\"up\"")
                .replace("1.50e0}", "1.50e0,\"stream_options\":{\"include_usage\":true}}")), streamed);
    }

    @Test
    void stepsAsideWhereBytesAndTreeCouldDisagree() {
        String[] refused = {
            "{\"model\":\"a\",\"model\":\"b\"}",                          // duplicate model
            "{\"model\":\"a\",\"messages\":[{\"content\":\"x\",\"content\":\"y\"}]}", // nested duplicate
            "{\"mod\\u0065l\":\"a\"}",                                    // model spelled with an escape
            "{\"messages\":[]}",                                          // no model
            "{\"model\":7}",                                              // model not a string
            "{\"model\":\"a\"} {\"model\":\"b\"}",                        // content after the root
            "\uFEFF{\"model\":\"a\"}",                                    // byte order mark
        };
        for (String body : refused) {
            JsonNode tree = tree(body);
            assertNull(RequestSplice.splice(bytes(body), tree, bytes("\"up\""), false), body);
        }
        assertNotNull(RequestSplice.splice(bytes("{\"model\":\"a\"}"), tree("{\"model\":\"a\"}"), bytes("\"up\""),
                false));
    }

    @Test
    void aChangedBodyOrStreamOptionsGoThroughTheTree() throws Exception {
        String body = "{\"model\":\"a\",\"stream\":true,\"stream_options\":{\"include_usage\":false},\"x\":1e1}";
        ObjectNode in = tree(body);
        // the tree path writes 1e1 as 10.0: a spliced body would keep the caller's spelling
        assertArrayEquals(OpenAiProtocol.treeBody(in, "up", true), OpenAiProtocol.upstreamBody(bytes(body), in, false,
                "up", true));
        String plain = "{\"model\":\"a\",\"x\":1e1}";
        ObjectNode changed = tree(plain);
        changed.put("x", 2);
        assertEquals(parse(OpenAiProtocol.treeBody(changed, "up", false)),
                parse(OpenAiProtocol.upstreamBody(bytes(plain), changed, true, "up", false)));
        assertEquals(2, parse(OpenAiProtocol.upstreamBody(bytes(plain), changed, true, "up", false)).path("x").asInt());
    }

    private static ObjectNode tree(String body) {
        try {
            return (ObjectNode) ProviderJson.MAPPER.readTree(bytes(body));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A random JSON object text: random keys (duplicates and escapes among them), values, nesting and spacing. */
    private static String body(Random r) {
        StringBuilder sb = new StringBuilder();
        sb.append(space(r));
        object(r, sb, 0, true);
        sb.append(space(r));
        return sb.toString();
    }

    private static void object(Random r, StringBuilder sb, int depth, boolean root) {
        sb.append('{');
        int n = r.nextInt(root ? 6 : 4);
        boolean model = root && r.nextInt(10) > 0;
        int modelAt = model ? r.nextInt(n + 1) : -1;
        int written = 0;
        for (int i = 0; i < n + (model ? 1 : 0); i++) {
            if (written > 0) {
                sb.append(space(r)).append(',');
            }
            sb.append(space(r));
            if (i == modelAt) {
                sb.append("\"model\"").append(space(r)).append(':').append(space(r));
                if (r.nextInt(12) == 0) {
                    value(r, sb, depth + 1);
                } else {
                    sb.append('"').append(STRINGS[r.nextInt(STRINGS.length)]).append('"');
                }
            } else {
                String key = KEYS[r.nextInt(KEYS.length)];
                // a duplicate model now and then (any depth), else a plain key
                if (key.equals("model") && root && r.nextInt(3) > 0) {
                    key = "messages";
                }
                sb.append('"').append(key).append('"').append(space(r)).append(':').append(space(r));
                value(r, sb, depth + 1);
            }
            written++;
        }
        sb.append(space(r)).append('}');
    }

    private static void value(Random r, StringBuilder sb, int depth) {
        int kind = depth > 4 ? r.nextInt(5) : r.nextInt(8);
        switch (kind) {
            case 0 -> sb.append('"').append(STRINGS[r.nextInt(STRINGS.length)]).append('"');
            case 1 -> sb.append(switch (r.nextInt(6)) {
                case 0 -> "0";
                case 1 -> "-12";
                case 2 -> "3.25";
                case 3 -> "12345678901234567890123";
                case 4 -> "-0.5e-3";
                default -> "9007199254740993";
            });
            case 2 -> sb.append(r.nextBoolean() ? "true" : "false");
            case 3 -> sb.append("null");
            case 4 -> sb.append('"').append(STRINGS[r.nextInt(STRINGS.length)]).append('"');
            case 5, 6 -> object(r, sb, depth, false);
            default -> {
                sb.append('[');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sb.append(space(r)).append(',');
                    }
                    sb.append(space(r));
                    value(r, sb, depth + 1);
                }
                sb.append(space(r)).append(']');
            }
        }
    }

    private static String space(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\t\r\n";
            default -> "";
        };
    }
}
