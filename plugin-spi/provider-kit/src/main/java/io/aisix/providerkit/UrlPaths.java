package io.aisix.providerkit;

import java.nio.charset.StandardCharsets;

/** URL pieces built from configuration values (deployment names, model ids, ARNs). */
public final class UrlPaths {
    private UrlPaths() {
    }

    /**
     * {@code s} as one path segment: everything but RFC 3986 unreserved characters percent-encoded
     * (UTF-8), so a model id with {@code :} or an ARN with {@code /} stays one segment.
     */
    public static String segment(String s) {
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            plain = unreserved(s.charAt(i));
        }
        if (plain) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (b >= 0 && unreserved(c)) {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }
}
