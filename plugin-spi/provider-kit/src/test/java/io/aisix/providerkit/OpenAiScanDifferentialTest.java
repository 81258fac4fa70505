package io.aisix.providerkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link OpenAiScan} against {@link JacksonOpenAiScan}, the Jackson-token scan it replaced: for
 * hand-made edge cases, a seeded generator of OpenAI-shaped documents and byte-level mutations of
 * them, both give the same outcome on bytes and on text (the same refusal, or the same model
 * offsets, flags and usage tree, node types included). The one allowed difference: bytes Jackson
 * reads as UTF-16 or UTF-32 (a NUL among the first four) are refused.
 */
class OpenAiScanDifferentialTest {
    private static final String ALIAS = "\"ALIAS\"";
    private static final byte[] ALIAS_BYTES = ALIAS.getBytes(StandardCharsets.UTF_8);

    /** What a scan found, comparable across the two implementations. */
    private record Outcome(String refusal, String rewritten, boolean hasChoice, boolean finished, boolean error,
            JsonNode usage) {
        static Outcome refused(RuntimeException e) {
            if (e instanceof GatewayException g && g.code() == ErrorCode.UPSTREAM_ERROR) {
                return new Outcome("UPSTREAM_ERROR", null, false, false, false, null);
            }
            throw new AssertionError("unexpected exception", e);
        }

        boolean accepted() {
            return refusal == null;
        }
    }

    private static Outcome newBytes(byte[] in) {
        try {
            OpenAiScan s = OpenAiScan.scan(in);
            return new Outcome(null, new String(s.rewriteModel(in, ALIAS_BYTES), StandardCharsets.ISO_8859_1),
                    s.hasChoice(), s.finished(), s.error(), s.usage());
        } catch (RuntimeException e) {
            return Outcome.refused(e);
        }
    }

    /** The oracle's rewrite is its offsets applied to the bytes read one char a byte. */
    private static Outcome oldBytes(byte[] in) {
        try {
            JacksonOpenAiScan s = JacksonOpenAiScan.scan(in);
            return new Outcome(null, s.rewritten(new String(in, StandardCharsets.ISO_8859_1), ALIAS),
                    s.hasChoice(), s.finished(), s.error(), s.usage());
        } catch (RuntimeException e) {
            return Outcome.refused(e);
        }
    }

    private static Outcome newText(String in) {
        try {
            OpenAiScan s = OpenAiScan.scan(in);
            return new Outcome(null, s.rewriteModel(in, ALIAS), s.hasChoice(), s.finished(), s.error(), s.usage());
        } catch (RuntimeException e) {
            return Outcome.refused(e);
        }
    }

    private static Outcome oldText(String in) {
        try {
            JacksonOpenAiScan s = JacksonOpenAiScan.scan(in);
            return new Outcome(null, s.rewritten(in, ALIAS), s.hasChoice(), s.finished(), s.error(), s.usage());
        } catch (RuntimeException e) {
            return Outcome.refused(e);
        }
    }

    /** Jackson's encoding detection reads a NUL among the first four bytes as UTF-16/32. */
    private static boolean otherEncoding(byte[] in) {
        for (int i = 0; i < Math.min(4, in.length); i++) {
            if (in[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static int accepted;
    private static int refused;

    /** The bytes as they are and decoded to text (invalid UTF-8 replaced): the same outcome both ways. */
    private static void same(byte[] in) {
        Outcome expected = oldBytes(in);
        Outcome actual = newBytes(in);
        if (expected.accepted() && !actual.accepted() && otherEncoding(in)) {
            return;
        }
        check(expected, actual, () -> "bytes " + show(in));
        if (expected.accepted()) {
            accepted++;
        } else {
            refused++;
        }
        String text = new String(in, StandardCharsets.UTF_8);
        check(oldText(text), newText(text), () -> "text " + show(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void same(String in) {
        check(oldText(in), newText(in), () -> "text " + show(in.getBytes(StandardCharsets.UTF_8)) + " " + in);
        same(in.getBytes(StandardCharsets.UTF_8));
    }

    private static void check(Outcome expected, Outcome actual, Supplier<String> what) {
        if (!Objects.equals(expected, actual)) {
            fail(what.get() + "\n  Jackson: " + expected + "\n  new:     " + actual);
        }
        if (expected.usage() != null) {
            assertEquals(types(expected.usage()), types(actual.usage()), what);
        }
    }

    /** The node classes of a tree, so IntNode and LongNode of equal values differ. */
    private static String types(JsonNode n) {
        StringBuilder sb = new StringBuilder(n.getClass().getSimpleName());
        if (n.isContainerNode()) {
            sb.append('(');
            n.forEach(c -> sb.append(types(c)).append(','));
            sb.append(')');
        }
        return sb.toString();
    }

    private static String show(byte[] in) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(in.length, 400);
        for (int i = 0; i < n; i++) {
            int c = in[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02X", c));
            }
        }
        return sb.append(in.length > n ? "...(" + in.length + " bytes)" : "").toString();
    }

    @Test
    void handMadeEdgeCases() {
        String[] cases = {
            "{}", " {} ", "{ }", "\t\r\n{\t\r\n}\t\r\n", "", " ", "[]", "[1]", "\"x\"", "1", "-1", "true", "null",
            "nope", "{", "}", "{\"", "{\"a", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "{\"a\":1}", "{\"a\":1,}",
            "{,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":1}]", "{\"a\":1}}", "{\"a\":1} trailing", "{}{}",
            "{} \u0000", "{}\u0001", "{\"a\":[1,2,]}", "{\"a\":[,1]}", "{\"a\":[1}", "{\"a\":{]}", "{'a':1}", "{a:1}",
            "{\"a\":'x'}", "{\"a\":1}/* c */", "{/* c */\"a\":1}", "{\"a\":1 // c\n}", "{\"a\":1 # c\n}",
            "{\"a\":tru}", "{\"a\":true}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":nulll}", "{\"a\":False}",
            "{\"a\":-0}", "{\"a\":0}", "{\"a\":00}", "{\"a\":-00}", "{\"a\":01}", "{\"a\":-}", "{\"a\":+1}",
            "{\"a\":.5}", "{\"a\":1.}", "{\"a\":1.e5}", "{\"a\":1e5}", "{\"a\":1E+5}", "{\"a\":1e-5}", "{\"a\":1e}",
            "{\"a\":1e+}", "{\"a\":1.5E-3}", "{\"a\":0.0}", "{\"a\":-0.0e-0}", "{\"a\":1x}", "{\"a\":1.5.3}",
            "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":0x10}", "{\"a\":1_000}",
            "{\"a\":\"\\u00e9\\n\\t\\\"\\\\\\/\\b\\f\\r\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\'\"}", "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\uD800\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"nl\nhere\"}",
            "{\"a\":\"del\u007Fhere\"}", "{\"a\":\"\\", "{\"a\":\"\\u00", "{\"a\":\"abc",
            "{\"model\":\"gpt\"}", "{\"model\" : \"gpt\" }", "{\"model\":\"g\\\"p\\\\t\\u0022\"}", "{\"model\":1}",
            "{\"model\":null}", "{\"model\":{\"model\":\"x\"}}", "{\"model\":[\"x\"]}",
            "{\"model\":\"a\",\"model\":\"bb\"}", "{\"model\":\"a\",\"model\":null}", "{\"model\":null,\"model\":\"a\"}",
            "{\"mod\\u0065l\":\"esc\"}", "{\"\\u006dodel\":\"esc\"}", "{\"model\\u0000\":\"x\"}", "{\"model \":\"x\"}",
            "{\"Model\":\"x\"}", "{\"\\\"model\":\"x\"}", "{\"x\":{\"model\":\"inner\"},\"choices\":[{\"model\":\"c\"}]}",
            "{\"choices\":[]}", "{\"choices\":[{}]}", "{\"choices\":[1,\"x\",null]}", "{\"choices\":null}",
            "{\"choices\":{}}", "{\"choices\":[],\"choices\":[{}]}", "{\"choices\":[{}],\"choices\":[]}",
            "{\"choices\":[{\"finish_reason\":null}]}", "{\"choices\":[{\"finish_reason\":\"stop\"}]}",
            "{\"choices\":[{\"finish_reason\":0}]}", "{\"choices\":[{\"finish_reason\":{}}]}",
            "{\"choices\":[{\"finish_reason\":false}]}", "{\"choices\":[{\"x\":{\"finish_reason\":\"stop\"}}]}",
            "{\"choices\":[{\"finish\\u005freason\":\"stop\"}]}", "{\"finish_reason\":\"stop\"}",
            "{\"choices\":[{\"finish_reason\":\"stop\",\"finish_reason\":null}]}",
            "{\"choices\":[[{\"finish_reason\":\"stop\"}]]}", "{\"choices\":[{\"finish_reason\":\"stop\"}}",
            "{\"usage\":null}", "{\"usage\":{}}", "{\"usage\":1}", "{\"usage\":[]}",
            "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}",
            "{\"usage\":{\"a\":2147483647,\"b\":2147483648,\"c\":-2147483649,\"d\":9223372036854775807,"
                    + "\"e\":9223372036854775808,\"f\":-0,\"g\":1.5,\"h\":1e5,\"i\":-0.0,\"j\":1.5E-3,\"k\":true,"
                    + "\"l\":null,\"m\":\"s\\u00e9\",\"n\":[1,{\"o\":2}],\"p\":{},\"a\":9}}",
            "{\"usage\":{\"prompt_tokens\":1},\"usage\":null}",
            "{\"usage\":{\"a\":1.0,\"b\":1E2,\"c\":12345678901,\"d\":-2147483648,\"e\":-2147483649,\"f\":2147483648,"
                    + "\"g\":-9223372036854775808,\"h\":-9223372036854775809,\"i\":99999999999999999999999,"
                    + "\"j\":1e400,\"k\":-1e400,\"l\":4.9e-325,\"m\":0.1000000000000000055511151231257827,"
                    + "\"n\":123456789012345678,\"o\":1234567890123456789,\"p\":-0.0,\"q\":0e0,\"r\":1e-0}}",
            "{\"usage\":{\"s\":\"\",\"t\":\"\\u0000\\ud83d\\ude00\\uDC00\\\"\\\\\\/\\b\\f\\n\\r\\t\u00e9\u2013\uD83D\uDE00x\","
                    + "\"\\u0075\":[],\"\u00e9\":{\"\":null},\"u\":[true,false,null,[[]],{}],\"t\":2}}", "{\"usage\":{\"x\":1},\"usage\":{\"y\":2}}",
            "{\"usag\\u0065\":{\"x\":1}}", "{\"usage\":{\"x\":1}", "{\"usage\":{\"x\":01}}",
            "{\"error\":null}", "{\"error\":{\"message\":\"boom\"}}", "{\"error\":\"x\"}", "{\"error\":false}",
            "{\"error\":{},\"error\":null}", "{\"error\":null,\"error\":0}", "{\"\\u0065rror\":1}",
            "\uFEFF{\"model\":\"bom\"}", "{\"model\":\"\uD83D\uDE00\",\"x\":\"\uD800\"}",
            "{\"\u00e9\":\"\u00e9\",\"model\":\"h\u00e9llo \u2013 \uD83D\uDE00\",\"usage\":{\"x\":\"\u00e9\"}}",
            "{\"x\":\"\uDC00\",\"model\":\"m\",\"usage\":{\"s\":\"\uD800\"}}", "{\"x\":\"\u2028\u2029\"}",
            "{\"\\uD83D\\uDE00\":1}", "{\"\uD800\":1,\"\uDC00model\":2}", "{\"\\uD800x\":1}", "{\"\\uDC00\":1}", "{\"\\uD800\":1}", "{\"a\\uD83D\":1}",
            "{\"\\uDE00\\uD83D\":1}", "{\"\\uD83D\\u0041\":1}", "{\"\\uD83D\\uD83D\\uDE00\":1}", "{\"\\uD83D\\uDE0\":1}",
            "{\"\\uD83D\\", "{\"\\uD83D\\u", "{\"\\uD83D\\uDE0", "{\"\\uD83D\\uDE00\\uD83D\\uDE00x\":1}", "{\"\\u00e9\\u0800\":1}", "{\"a\":{\"\\uDC00\":1}}", "{\"usage\":{\"\\uD800x\":1}}",
            "{\"a\":\"\\uD83D\\uDE00\\uDC00\"}", "{\"model\":\"\\uDC00\"}", "{\"\uD83D\uDE00\u00e9\":1}",
            "{\"model\":\"" + "\u00e9".repeat(50) + "\",\"choices\":[{\"finish_reason\":\"stop\"}]}",
        };
        for (String c : cases) {
            same(c);
        }
        // invalid UTF-8: in skipped strings, in the model (decoded by Jackson), in names
        String[] bad = {"80", "BF", "C0 80", "C1 AD", "C3", "C3 28", "C3 A9", "E2 82", "E2 82 AC", "E2 28 AC",
            "ED A0 80", "EF BF BF", "F0 9F 98 80", "F0 9F 98", "F4 90 80 80", "F5 80 80 80", "F7 BF BF BF",
            "F8 88 80 80 80", "FE", "FF", "C3 5C 6E", "E0 81 AD"};
        for (String hex : bad) {
            byte[] seq = hex(hex);
            for (String where : new String[] {"{\"a\":\"x%sy\"}", "{\"model\":\"x%sy\"}", "{\"%s\":1}",
                "{\"mode%s\":1}", "{\"%sodel\":\"z\"}", "{\"a\":1}%s", "{\"a\":%s}", "%s{}",
                "{\"usage\":{\"t\":\"%s\"}}", "{\"choices\":[{\"%s\":\"stop\"}]}"}) {
                int at = where.indexOf("%s");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(where.substring(0, at).getBytes(StandardCharsets.UTF_8));
                out.writeBytes(seq);
                out.writeBytes(where.substring(at + 2).getBytes(StandardCharsets.UTF_8));
                same(out.toByteArray());
            }
        }
        // raw control characters everywhere
        for (int c = 0; c < 0x20; c++) {
            for (String where : new String[] {"{%c}", "{\"a\"%c:1}", "{\"a\":%c1}", "{\"a\":\"%c\"}", "{\"%c\":1}",
                "%c{}", "{}%c", "{\"a\":1%c}"}) {
                same(where.replace("%c", String.valueOf((char) c)));
            }
        }
        // a UTF-8 byte order mark, and one too short for Jackson's detection
        same(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'});
        same(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        same(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, ' ', '{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':',
            '"', 'x', '"', '}'});
    }

    @Test
    void limitsOfDepthNumbersAndNames() {
        for (int depth : new int[] {998, 999, 1000, 1001, 1500}) {
            // the top-level object is depth 1; each '[' one more
            same("{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}");
            same("{\"usage\":" + "{\"x\":".repeat(depth - 1) + "1" + "}".repeat(depth - 1) + "}");
            same("{\"choices\":[{\"x\":" + "[".repeat(depth - 3) + "]".repeat(depth - 3) + "}]}");
            same("{\"choices\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}");
        }
        same("{\"a\":" + "[".repeat(5000) + "}");
        for (int n : new int[] {999, 1000, 1001}) {
            String digits = "1" + "0".repeat(n - 1);
            same("{\"a\":" + digits + "}");
            same("{\"a\":-" + digits + "}");
            same("{\"usage\":{\"x\":" + digits + "}}");
            same("{\"a\":" + digits.substring(0, n / 2) + "." + digits.substring(0, n - n / 2) + "}");
            same("{\"a\":1." + digits.substring(0, n - 3) + "e-12}");
            same("{\"a\":" + digits.substring(0, n - 3) + "E+99}");
        }
        same("{\"a\":" + "9".repeat(5000) + "}");
        for (int n : new int[] {100, 49_999, 50_000}) {
            same("{\"" + "k".repeat(n) + "\":1,\"model\":\"m\"}");
        }
        same("{\"" + "\u00e9".repeat(25_000) + "\":1}");
        same("{\"" + "\u00e9".repeat(25_001) + "\":1}");
        same("{\"" + "\uD83D\uDE00".repeat(12_500) + "\":1}");
        same("{\"" + "\uD83D\uDE00".repeat(12_501) + "\":1}");
        same("{\"" + "\\u00e9".repeat(25_001) + "\":1}");
        same("{\"" + "\\n".repeat(50_001) + "\":1}");
        same("{\"" + "\\uD83D\\uDE00".repeat(12_500) + "\":1}");
        same("{\"" + "\\uD83D\\uDE00".repeat(12_501) + "\":1}");
        same("{\"" + "\\u0800".repeat(16_666) + "\":1}");
        same("{\"" + "\\u0800".repeat(16_667) + "\":1}");
        same("{\"" + "k".repeat(50_001) + "\":1}");
        // far over Jackson's name limit: both refuse (just over it, Jackson still reads some)
        same("{\"" + "k".repeat(200_000) + "\":1}");
        // long strings are only checked when Jackson decodes them (the model)
        same("{\"a\":\"" + "s".repeat(100_000) + "\",\"model\":\"" + "m".repeat(100_000) + "\"}");
    }

    @Test
    void modelLongerThanJacksonsStringLimitIsRefused() {
        byte[] head = "{\"model\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] in = new byte[head.length + 25_000_001 + 2];
        System.arraycopy(head, 0, in, 0, head.length);
        java.util.Arrays.fill(in, head.length, in.length - 2, (byte) 'm');
        in[in.length - 2] = '"';
        in[in.length - 1] = '}';
        assertTrue(!oldBytes(in).accepted() && !newBytes(in).accepted());
    }

    @Test
    void generatedDocumentsAndTheirMutations() {
        SplittableRandom random = new SplittableRandom(20261207);
        Generator g = new Generator(random);
        int documents = 2_500;
        for (int d = 0; d < documents; d++) {
            String doc = g.document();
            same(doc);
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
            for (int m = 0; m < 12; m++) {
                same(mutate(random, bytes));
            }
            // every truncation of some documents
            if (d % 50 == 0) {
                for (int cut = 0; cut < bytes.length; cut++) {
                    same(java.util.Arrays.copyOf(bytes, cut));
                }
            }
        }
        // the generator makes both kinds in numbers
        assertTrue(accepted > 2_000 && refused > 10_000, accepted + " accepted, " + refused + " refused");
    }

    private static final byte[] INTERESTING = hex("22 5C 7B 7D 5B 5D 2C 3A 20 0A 09 00 1F 7F 80 BF C0 C3 E2 ED F0 F4 F8 FF"
            + " 30 31 39 2D 2B 2E 65 45 74 66 6E 75 61 6C 73 72");

    private static byte[] mutate(SplittableRandom r, byte[] in) {
        if (in.length == 0) {
            return in;
        }
        int at = r.nextInt(in.length);
        byte b = r.nextInt(3) == 0 ? (byte) r.nextInt(256) : INTERESTING[r.nextInt(INTERESTING.length)];
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 8);
        switch (r.nextInt(7)) {
            case 0 -> { // delete one byte
                out.write(in, 0, at);
                out.write(in, at + 1, in.length - at - 1);
            }
            case 1 -> { // insert one byte
                out.write(in, 0, at);
                out.write(b);
                out.write(in, at, in.length - at);
            }
            case 2 -> { // replace one byte
                out.write(in, 0, in.length);
                byte[] o = out.toByteArray();
                o[at] = b;
                return o;
            }
            case 3 -> out.write(in, 0, at); // truncate
            case 4 -> { // repeat a slice
                int len = Math.min(1 + r.nextInt(12), in.length - at);
                out.write(in, 0, at + len);
                out.write(in, at, in.length - at);
            }
            case 5 -> { // delete a slice
                int len = Math.min(1 + r.nextInt(12), in.length - at);
                out.write(in, 0, at);
                out.write(in, at + len, in.length - at - len);
            }
            default -> { // two mutations
                return mutate(r, mutate(r, in));
            }
        }
        return out.toByteArray();
    }

    private static byte[] hex(String s) {
        String[] parts = s.trim().split(" +");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    /** OpenAI-shaped answers, chunks, embeddings and errors, with the odd corners of JSON. */
    private static final class Generator {
        private static final String[] WS = {"", "", "", " ", "\n", "\t", "\r\n", "  "};
        private static final String[] TEXT = {"hi", "Hello, world!", "é", "h\u00e9llo \u2013 \uD83D\uDE00", "日本語",
            "quote \" here", "back\\slash", "tab\tnl\n", "\u0001ctl", "model", "usage", "\"model\":\"x\"", "",
            "\uD800", "\u2028", "/slash", "}{][,:"};
        private static final String[] NAMES = {"id", "object", "created", "model", "choices", "usage", "error",
            "system_fingerprint", "service_tier", "x", "model", "usage"};

        private final SplittableRandom r;

        Generator(SplittableRandom r) {
            this.r = r;
        }

        private String ws() {
            return WS[r.nextInt(WS.length)];
        }

        private <T> T pick(T[] a) {
            return a[r.nextInt(a.length)];
        }

        /** A string literal, escaped in one of several ways. */
        String str(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                int mode = r.nextInt(10);
                if (c == '"' || c == '\\') {
                    sb.append(mode == 0 ? String.format("\\u%04x", (int) c) : "\\" + c);
                } else if (c < 0x20) {
                    sb.append(mode < 5 ? String.format("\\u%04X", (int) c) : c == '\n' ? "\\n" : c == '\t' ? "\\t"
                            : String.format("\\u%04x", (int) c));
                } else if (mode == 0) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else if (mode == 1 && c == '/') {
                    sb.append("\\/");
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }

        String name(String n) {
            return r.nextInt(8) == 0 ? str(n) : "\"" + n + "\"";
        }

        String number() {
            return switch (r.nextInt(10)) {
                case 0 -> "0";
                case 1 -> "-0";
                case 2 -> String.valueOf(r.nextInt());
                case 3 -> String.valueOf(r.nextLong());
                case 4 -> "9223372036854775808" + r.nextInt(1000);
                case 5 -> r.nextInt(1000) + "." + r.nextInt(1000);
                case 6 -> r.nextInt(10) + "e" + (r.nextBoolean() ? "-" : "+") + r.nextInt(400);
                case 7 -> "-" + r.nextInt(10) + "." + r.nextInt(100) + "E" + r.nextInt(30);
                case 8 -> String.valueOf(r.nextDouble());
                default -> String.valueOf(r.nextInt(100_000));
            };
        }

        String value(int depth) {
            int k = r.nextInt(depth > 4 ? 6 : 9);
            return switch (k) {
                case 0 -> "null";
                case 1 -> r.nextBoolean() ? "true" : "false";
                case 2, 3 -> number();
                case 4, 5 -> str(pick(TEXT));
                case 6 -> {
                    List<String> items = new ArrayList<>();
                    for (int i = r.nextInt(4); i > 0; i--) {
                        items.add(ws() + value(depth + 1) + ws());
                    }
                    yield "[" + String.join(",", items) + ws() + "]";
                }
                default -> {
                    List<String> members = new ArrayList<>();
                    for (int i = r.nextInt(4); i > 0; i--) {
                        members.add(ws() + name(pick(NAMES)) + ws() + ":" + ws() + value(depth + 1) + ws());
                    }
                    yield "{" + String.join(",", members) + ws() + "}";
                }
            };
        }

        String usage() {
            return switch (r.nextInt(7)) {
                case 0 -> "null";
                case 1 -> value(3);
                case 2 -> {
                    List<String> members = new ArrayList<>();
                    for (int i = r.nextInt(6); i > 0; i--) {
                        members.add(ws() + name(pick(NAMES)) + ws() + ":" + ws() + value(3) + ws());
                    }
                    yield "{" + String.join(",", members) + ws() + "}";
                }
                default -> "{" + ws() + name("prompt_tokens") + ":" + number() + "," + name("completion_tokens") + ":"
                        + ws() + number() + "," + name("total_tokens") + ":" + number()
                        + (r.nextBoolean() ? ",\"prompt_tokens_details\":{\"cached_tokens\":" + number() + "}" : "")
                        + ws() + "}";
            };
        }

        String choice() {
            List<String> members = new ArrayList<>();
            members.add(name("index") + ":" + r.nextInt(3));
            if (r.nextBoolean()) {
                members.add(name("delta") + ":{\"content\":" + str(pick(TEXT)) + ",\"model\":\"inner\"}");
            } else {
                members.add(name("message") + ":{\"role\":\"assistant\",\"content\":" + str(pick(TEXT)) + "}");
            }
            switch (r.nextInt(5)) {
                case 0 -> members.add(name("finish_reason") + ":null");
                case 1 -> members.add(name("finish_reason") + ":" + str("stop"));
                case 2 -> members.add(name("finish_reason") + ":" + value(4));
                case 3 -> members.add(name("logprobs") + ":" + value(4));
                default -> {
                    // no finish_reason
                }
            }
            shuffle(members);
            return "{" + ws() + String.join("," + ws(), members) + ws() + "}";
        }

        String document() {
            List<String> members = new ArrayList<>();
            members.add(name("id") + ":" + str("chatcmpl-" + r.nextInt(1000)));
            members.add(name("object") + ":" + str(r.nextBoolean() ? "chat.completion" : "chat.completion.chunk"));
            members.add(name("created") + ":" + number());
            if (r.nextInt(6) != 0) {
                members.add(name("model") + ":" + (r.nextInt(8) == 0 ? value(2) : str(pick(TEXT) + "-gpt")));
            }
            int kind = r.nextInt(10);
            if (kind < 7) {
                List<String> choices = new ArrayList<>();
                for (int i = r.nextInt(3); i > 0; i--) {
                    choices.add(r.nextInt(10) == 0 ? value(3) : choice());
                }
                members.add(name("choices") + ":" + ws() + "[" + String.join("," + ws(), choices) + "]");
            } else if (kind == 7) {
                StringBuilder e = new StringBuilder("[");
                for (int i = r.nextInt(40); i > 0; i--) {
                    e.append(number()).append(i > 1 ? "," : "");
                }
                members.add("\"data\":[{\"object\":\"embedding\",\"embedding\":" + e + "]}]");
            } else if (kind == 8) {
                members.add(name("error") + ":" + (r.nextBoolean() ? "null" : "{\"message\":" + str(pick(TEXT)) + "}"));
            }
            if (r.nextInt(3) != 0) {
                members.add(name("usage") + ":" + ws() + usage());
            }
            for (int i = r.nextInt(3); i > 0; i--) {
                members.add(name(pick(NAMES)) + ":" + value(2));
            }
            shuffle(members);
            StringBuilder sb = new StringBuilder(ws()).append('{').append(ws());
            for (int i = 0; i < members.size(); i++) {
                sb.append(i == 0 ? "" : ws() + "," + ws()).append(members.get(i));
            }
            return sb.append(ws()).append('}').append(r.nextInt(10) == 0 ? ws() + "x" : ws()).toString();
        }

        private void shuffle(List<String> l) {
            for (int i = l.size() - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                l.set(j, l.set(i, l.get(j)));
            }
        }
    }
}
