package io.aisix.plugin.guardrailpii;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The built-in detector types, in priority order (when two matches cover the same text, the
 * earlier type names the mask). Every pattern starts behind a boundary look-behind so a long run
 * of candidate characters is scanned once, not once per position: these patterns are linear on
 * any input, which is why they run without the read budget that operator patterns get.
 */
final class BuiltinDetectors {
    private BuiltinDetectors() {
    }

    /** One pattern of a built-in type, with its optional validator and its gate. */
    record Type(Pattern pattern, Detector.Validator validator, Detector.Gate gate) {
    }

    /** Type name to its patterns (one, or one per distinct syntax as for IPv4 and IPv6). */
    static final Map<String, List<Type>> TYPES = new LinkedHashMap<>();

    private static void put(String name, Type... patterns) {
        TYPES.put(name, List.of(patterns));
    }

    static {
        // A PEM private key, up to its END line, or to the end of the text when the END line has not
        // arrived yet (a streamed answer), so no part of the key slips out before it completes.
        put("private_key", new Type(Pattern.compile(
                "-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
                        + "(?:[\\s\\S]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\\s\\S]*+)"),
                null, new Detector.Gate(0, "-----BEGIN")));
        put("jwt", new Type(Pattern.compile(
                "(?<![\\w-])eyJ[A-Za-z0-9_-]{4,}\\.ey[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*+"),
                null, new Detector.Gate(0, "eyJ")));
        put("api_key", new Type(Pattern.compile(
                "(?<![\\w-])(?:sk-[A-Za-z0-9_-]{20,}+|sk_(?:live|test)_[A-Za-z0-9]{16,}+|rk_(?:live|test)_[A-Za-z0-9]{16,}+"
                        + "|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}+|github_pat_[A-Za-z0-9_]{22,}+"
                        + "|xox[abprs]-[A-Za-z0-9-]{10,}+|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,}+)(?![\\w-])"),
                null, new Detector.Gate(0, "sk-", "sk_", "rk_", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
                        "github_pat_", "xox", "AIza", "glpat-")));
        put("email", new Type(Pattern.compile(
                "(?<![\\w.%+-])[\\w.%+-]++@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}(?![\\w-])"),
                null, new Detector.Gate(0, "@")));
        put("iban", new Type(Pattern.compile(
                "(?<![\\w])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}(?!\\w)"), BuiltinDetectors::confirmIban,
                new Detector.Gate(2)));
        put("china_id_card", new Type(Pattern.compile("(?<!\\w)\\d{17}[0-9Xx](?!\\w)"),
                (text, start, end) -> Checksums.chinaId(text.subSequence(start, end)) ? end : -1,
                new Detector.Gate(17)));
        put("credit_card", new Type(Pattern.compile(
                "(?<![\\w-])(?:\\d[ -]?){12,18}\\d(?![\\w-])"),
                (text, start, end) -> Checksums.luhn(text.subSequence(start, end)) ? end : -1, new Detector.Gate(13)));
        put("us_ssn", new Type(Pattern.compile(
                "(?<![\\w-])(?!000|666|9\\d\\d)\\d{3}([- ])(?!00)\\d{2}\\1(?!0000)\\d{4}(?![\\w-])"),
                null, new Detector.Gate(9)));
        put("ip_address",
                new Type(Pattern.compile("(?<![\\w.:])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}"
                        + "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?![\\w:]|\\.\\d)"), null, new Detector.Gate(4, ".")),
                new Type(Pattern.compile("(?<![\\w.:])(?:[0-9A-Fa-f]{0,4}:){2,7}"
                        + "(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\\w:]|\\.\\w)"),
                        (text, start, end) -> Checksums.ipv6(text.substring(start, end)) ? end : -1,
                        new Detector.Gate(0, ":")));
        put("china_mobile", new Type(Pattern.compile("(?<![\\w+])1[3-9]\\d{9}(?!\\w)"), null,
                new Detector.Gate(11)));
        put("phone", new Type(Pattern.compile(
                "(?<![\\w+.-])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,4}(?:[ .-]?\\d{2,4}){1,4}(?![\\w]|[.-]\\d)"),
                BuiltinDetectors::confirmPhone, new Detector.Gate(10)));
    }

    /** Also accepted: AISIX's name for card numbers. */
    static final Map<String, String> ALIASES = Map.of("bank_card", "credit_card");

    /**
     * The regex reaches as far as it can (it may swallow a following all-capitals word); shorten
     * at spaces until the mod-97 check passes.
     */
    private static int confirmIban(String text, int start, int end) {
        int e = end;
        while (true) {
            if (Checksums.iban(text.subSequence(start, e))) {
                return e;
            }
            int space = text.lastIndexOf(' ', e - 1);
            if (space <= start) {
                return -1;
            }
            e = space;
        }
    }

    /**
     * 10 to 15 digits (E.164 allows at most 15), and not a dotted quad, which is an IPv4 address.
     */
    private static int confirmPhone(String text, int start, int end) {
        int digits = 0;
        for (int i = start; i < end; i++) {
            if (Character.isDigit(text.charAt(i))) {
                digits++;
            }
        }
        if (digits < 10 || digits > 15) {
            return -1;
        }
        String s = text.substring(start, end);
        return Checksums.ipv4(s) ? -1 : end;
    }
}
