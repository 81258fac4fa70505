package io.aisix.support.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The primitives' contract: positions just past what they read, nothing read beyond, refusals.
 * Agreement with Jackson over whole documents is provider-kit's {@code OpenAiScanDifferentialTest}.
 */
class JsonSkipTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The end of the value at the start of {@code s}. */
    private static int value(String s) {
        byte[] b = utf8(s);
        return JsonSkip.value(b, 0, b.length, 0, false);
    }

    @Test
    void valuesEndJustPastThemselvesAndNothingFurtherIsRead() {
        assertEquals(2, value("{}garbage"));
        assertEquals(8, value("\"a\\\"\\\\b\" x"));
        assertEquals(7, value("-1.5e+3,"));
        assertEquals(4, value("true]"));
        assertEquals(16, value("[1, {\"a\": null}] ]"));
        byte[] b = utf8("  \t\r\n x");
        assertEquals(6, JsonSkip.ws(b, 0, b.length));
        assertEquals(b.length, JsonSkip.ws(b, 7, b.length));
    }

    @Test
    void refusesWhatJacksonRefuses() {
        for (String bad : new String[] {"01", "-", "1.", "1e", ".5", "+1", "NaN", "tru", "nul", "\"abc", "\"\\x\"",
            "\"\\u12g4\"", "\"\u0001\"", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "{\"a\":1]", "'a'",
            "[" + "1".repeat(1001) + "]"}) {
            assertThrows(JsonSkip.MalformedJsonException.class, () -> value(bad), bad);
        }
        // well-formed UTF-8 only: overlong, surrogate, past U+10FFFF, bad lead or continuation
        for (String hex : new String[] {"C0 80", "E0 80 AF", "ED A0 80", "F4 90 80 80", "F5 80 80 80", "80", "C3 28"}) {
            String[] parts = hex.split(" ");
            byte[] b = new byte[parts.length + 2];
            b[0] = '"';
            for (int i = 0; i < parts.length; i++) {
                b[i + 1] = (byte) Integer.parseInt(parts[i], 16);
            }
            b[b.length - 1] = '"';
            assertThrows(JsonSkip.MalformedJsonException.class, () -> JsonSkip.value(b, 0, b.length, 0, false), hex);
        }
        assertEquals(8, value("\"\u00e9\uD83D\uDE00\""));
    }

    @Test
    void depthIsBoundedLikeStreamReadConstraints() {
        assertEquals(2000, value("[".repeat(1000) + "]".repeat(1000)));
        assertThrows(JsonSkip.MalformedJsonException.class, () -> value("[".repeat(1001) + "]".repeat(1001)));
    }

    @Test
    void namesCompareAsJacksonDecodesThem() {
        byte[] b = utf8("\"\\u006dod\\u0065l\"");
        int end = JsonSkip.name(b, 0, b.length, false);
        assertEquals(b.length, end);
        assertTrue(JsonSkip.nameEquals(b, 0, end, utf8("model")));
        assertFalse(JsonSkip.nameEquals(b, 0, end, utf8("mode")));
        assertFalse(JsonSkip.nameEquals(b, 0, end, utf8("models")));
        byte[] unpaired = utf8("\"\\uD800\"");
        assertThrows(JsonSkip.MalformedJsonException.class, () -> JsonSkip.name(unpaired, 0, unpaired.length, false));
        assertEquals(unpaired.length, JsonSkip.string(unpaired, 1, unpaired.length));
    }
}
