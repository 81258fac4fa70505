package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The validator's own tree ({@link RequestValidator#tree}) against {@code readTree} with the same
 * constraints, the way the validator read bodies before: for request-shaped bodies, their byte
 * mutations and truncations, whenever the fast path gives a tree Jackson gives an equal one (node
 * classes included), and whenever Jackson reads an object from a body that starts with one (no
 * byte order mark, no UTF-16) the fast path reads it too. What the fast path declines goes to
 * Jackson unchanged, so refusals and their messages are Jackson's by construction.
 */
class RequestValidatorTreeTest {
    private static final String[] TEXT = {"hi", "Hello, world!", "é", "h\u00e9llo \u2013 \uD83D\uDE00", "日本語",
        "quote \" here", "back\\slash", "tab\tnl\n", "\u0001ctl", "", "\u2028", "/slash", "}{][,:", "\uD800"};

    private static ObjectMapper oracle(int depth, int numberLength) {
        JsonFactory f = Json.factory();
        f.setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(depth)
                .maxNumberLength(numberLength).build());
        return new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    private static String types(JsonNode n) {
        StringBuilder sb = new StringBuilder(n.getClass().getSimpleName());
        n.forEach(c -> sb.append('(').append(types(c)).append(')'));
        return sb.toString();
    }

    private int trees;
    private int declined;

    private void same(RequestValidator v, ObjectMapper m, byte[] body) {
        ObjectNode fast = v.tree(body);
        JsonNode jackson;
        try {
            jackson = m.readTree(body);
        } catch (Exception e) {
            jackson = null;
        }
        String what = new String(body, StandardCharsets.ISO_8859_1);
        if (fast != null) {
            trees++;
            assertNotNull(jackson, () -> "Jackson refuses what the fast path read: " + what);
            assertEquals(jackson, fast, what);
            assertEquals(types(jackson), types(fast), what);
        } else {
            declined++;
            int i = 0;
            while (i < body.length && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) {
                i++;
            }
            boolean plain = i < body.length && body[i] == '{';
            for (int k = 0; k < Math.min(4, body.length); k++) {
                plain &= body[k] != 0;
            }
            JsonNode j = jackson;
            assertTrue(!plain || j == null || !j.isObject(), () -> "the fast path declined an object: " + what);
        }
    }

    @Test
    void sameTreesAndRefusalsAsReadTree() {
        RequestValidator small = new RequestValidator(16, 50);
        ObjectMapper smallOracle = oracle(16, 50);
        RequestValidator shipped = new RequestValidator(128, 1000);
        ObjectMapper shippedOracle = oracle(128, 1000);
        String[] edges = {
            "{}", " {} ", "{}x", "{} {}", "{}}", "\uFEFF{}", "[]", "1", "null", "", "{\"a\":1,}", "{\"a\":01}",
            "{\"model\":\"m\",\"model\":\"n\",\"n\":2147483648,\"t\":0.2,\"s\":true,\"x\":null,\"u\":\"\\u00e9\\ud83d\\ude00\"}",
            "{\"a\":" + "[".repeat(14) + "]".repeat(14) + "}", "{\"a\":" + "[".repeat(15) + "]".repeat(15) + "}",
            "{\"a\":" + "[".repeat(16) + "]".repeat(16) + "}", "{\"a\":" + "1".repeat(50) + "}",
            "{\"a\":" + "1".repeat(51) + "}", "{\"a\":1." + "1".repeat(48) + "}", "{\"a\":1." + "1".repeat(49) + "}",
            "{\"a\":\"\\uD800\"}", "{\"\\uD800\":1}", "{\"a\":\"\u00e9\"}",
        };
        for (String e : edges) {
            same(small, smallOracle, e.getBytes(StandardCharsets.UTF_8));
            same(shipped, shippedOracle, e.getBytes(StandardCharsets.UTF_8));
        }
        same(shipped, shippedOracle, new byte[] {'{', 0, '}', 0});
        same(shipped, shippedOracle, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'});
        SplittableRandom r = new SplittableRandom(7);
        for (int d = 0; d < 2_000; d++) {
            byte[] body = request(r).getBytes(StandardCharsets.UTF_8);
            same(shipped, shippedOracle, body);
            same(small, smallOracle, body);
            for (int m = 0; m < 8; m++) {
                byte[] bad = mutate(r, body);
                same(shipped, shippedOracle, bad);
                same(small, smallOracle, bad);
            }
        }
        assertTrue(trees > 5_000 && declined > 5_000, trees + " trees, " + declined + " declined");
    }

    private static byte[] mutate(SplittableRandom r, byte[] in) {
        int at = r.nextInt(in.length);
        byte b = (byte) "\"\\{}[],: \n0123456789-+.eEtfnul\u0000\u00ff".charAt(r.nextInt(31));
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 1);
        int kind = r.nextInt(4);
        out.write(in, 0, kind == 3 ? at : kind == 1 ? at + 1 : at);
        if (kind == 0 || kind == 1) {
            out.write(kind == 0 ? b : (byte) r.nextInt(256));
        }
        if (kind != 3) {
            int from = kind == 2 ? at + 1 : at + (kind == 1 ? 1 : 0);
            out.write(in, from, in.length - from);
        }
        return out.toByteArray();
    }

    private static String ws(SplittableRandom r) {
        return r.nextInt(4) == 0 ? " \n\t\r".substring(r.nextInt(4)) : "";
    }

    private static String str(SplittableRandom r, String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || r.nextInt(12) == 0) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static String number(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> "-0";
            case 1 -> String.valueOf(r.nextInt());
            case 2 -> String.valueOf(r.nextLong());
            case 3 -> "9223372036854775808" + r.nextInt(100);
            case 4 -> r.nextInt(2) + "." + r.nextInt(100);
            case 5 -> r.nextInt(10) + "e" + (r.nextBoolean() ? "-" : "") + r.nextInt(400);
            case 6 -> String.valueOf(r.nextDouble());
            default -> String.valueOf(r.nextInt(4096));
        };
    }

    private static String value(SplittableRandom r, int depth) {
        return switch (r.nextInt(depth > 20 ? 5 : 7)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> number(r);
            case 3, 4 -> str(r, TEXT[r.nextInt(TEXT.length)]);
            case 5 -> {
                List<String> items = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    items.add(ws(r) + value(r, depth + 1) + ws(r));
                }
                yield "[" + String.join(",", items) + "]";
            }
            default -> {
                List<String> members = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    members.add(ws(r) + str(r, TEXT[r.nextInt(TEXT.length)]) + ":" + ws(r) + value(r, depth + 1));
                }
                yield "{" + String.join(",", members) + ws(r) + "}";
            }
        };
    }

    private static String request(SplittableRandom r) {
        List<String> members = new ArrayList<>();
        members.add("\"model\":" + str(r, "gpt-4o-mini"));
        StringBuilder messages = new StringBuilder("[");
        for (int i = r.nextInt(4); i >= 0; i--) {
            messages.append("{\"role\":\"user\",\"content\":").append(r.nextInt(4) == 0 ? value(r, 3)
                    : str(r, TEXT[r.nextInt(TEXT.length)])).append('}').append(i > 0 ? "," + ws(r) : "");
        }
        members.add("\"messages\":" + ws(r) + messages + "]");
        members.add("\"temperature\":" + number(r));
        members.add("\"max_tokens\":" + number(r));
        members.add("\"stream\":" + (r.nextBoolean() ? "true" : "false"));
        for (int i = r.nextInt(3); i > 0; i--) {
            members.add(str(r, TEXT[r.nextInt(TEXT.length)]) + ":" + value(r, 1));
        }
        StringBuilder sb = new StringBuilder(ws(r)).append('{');
        for (int i = 0; i < members.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(ws(r)).append(members.get(i));
        }
        return sb.append(ws(r)).append('}').append(ws(r)).toString();
    }
}
