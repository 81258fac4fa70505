package io.aisix.plugin.observe;

import java.nio.charset.StandardCharsets;

/** Text helpers for captured prompt and completion content. */
final class Text {
    private Text() {
    }

    /** {@code s} cut so its UTF-8 form fits in {@code maxBytes}, never splitting a character. */
    static String truncateUtf8(String s, int maxBytes) {
        if (s.length() * 3L <= maxBytes) {
            return s;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= maxBytes) {
            return s;
        }
        int end = maxBytes;
        while (end > 0 && (b[end] & 0xC0) == 0x80) { // back off a continuation byte
            end--;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }
}
