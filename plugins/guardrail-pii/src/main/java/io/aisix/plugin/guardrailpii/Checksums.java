package io.aisix.plugin.guardrailpii;

/** The validators behind the built-in detectors that have a checksum or a strict grammar. */
final class Checksums {
    private Checksums() {
    }

    /** Luhn (mod 10) over the digits of {@code s}, ignoring separators; 13 to 19 digits. */
    static boolean luhn(CharSequence s) {
        int sum = 0;
        int digits = 0;
        boolean dbl = false;
        for (int i = s.length() - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
            digits++;
        }
        return digits >= 13 && digits <= 19 && sum % 10 == 0;
    }

    /**
     * The check character of an 18-character Chinese resident id (GB 11643, ISO 7064 MOD 11-2):
     * 17 digits weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, the sum modulo 11 picking the last
     * character from {@code 10X98765432}.
     */
    static boolean chinaId(CharSequence s) {
        if (s.length() != 18) {
            return false;
        }
        int[] weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            sum += (c - '0') * weights[i];
        }
        return Character.toUpperCase(s.charAt(17)) == "10X98765432".charAt(sum % 11);
    }

    /**
     * IBAN check (ISO 13616): 15 to 34 alphanumerics after removing spaces, two letters, two
     * check digits, and the rearranged number modulo 97 equal to 1.
     */
    static boolean iban(CharSequence s) {
        StringBuilder compact = new StringBuilder(34);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ') {
                compact.append(Character.toUpperCase(c));
            }
        }
        int n = compact.length();
        if (n < 15 || n > 34 || !Character.isLetter(compact.charAt(0)) || !Character.isLetter(compact.charAt(1))
                || !Character.isDigit(compact.charAt(2)) || !Character.isDigit(compact.charAt(3))) {
            return false;
        }
        int mod = 0;
        for (int k = 0; k < n; k++) {
            char c = compact.charAt((k + 4) % n);
            if (c >= '0' && c <= '9') {
                mod = (mod * 10 + (c - '0')) % 97;
            } else if (c >= 'A' && c <= 'Z') {
                mod = (mod * 100 + (c - 'A' + 10)) % 97;
            } else {
                return false;
            }
        }
        return mod == 1;
    }

    /**
     * The IPv6 text grammar (RFC 4291 section 2.2): eight groups of 1-4 hex digits, at most one
     * {@code ::} standing for one or more zero groups, optionally ending in a dotted IPv4
     * address that counts as two groups.
     */
    static boolean ipv6(String s) {
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return false;
        }
        boolean anyHex = false;
        for (int i = 0; i < s.length() && !anyHex; i++) {
            anyHex = Character.digit(s.charAt(i), 16) >= 0;
        }
        if (!anyHex) {
            return false;
        }
        int groups;
        if (dbl >= 0) {
            int left = groups(s.substring(0, dbl), false);
            int right = groups(s.substring(dbl + 2), true);
            if (left < 0 || right < 0) {
                return false;
            }
            groups = left + right;
            return groups <= 7;
        }
        groups = groups(s, true);
        return groups == 8;
    }

    /** Counts the groups of one side of an IPv6 address, or -1 when malformed; "" has none. */
    private static int groups(String side, boolean ipv4TailAllowed) {
        if (side.isEmpty()) {
            return 0;
        }
        String[] parts = side.split(":", -1);
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && ipv4TailAllowed && p.indexOf('.') >= 0) {
                if (!ipv4(p)) {
                    return -1;
                }
                count += 2;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
            for (int k = 0; k < p.length(); k++) {
                if (Character.digit(p.charAt(k), 16) < 0) {
                    return -1;
                }
            }
            count++;
        }
        return count;
    }

    /** Dotted-quad IPv4 with octets 0-255. */
    static boolean ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            for (int k = 0; k < p.length(); k++) {
                if (p.charAt(k) < '0' || p.charAt(k) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
