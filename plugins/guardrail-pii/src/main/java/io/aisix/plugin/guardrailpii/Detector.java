package io.aisix.plugin.guardrailpii;

import io.aisix.support.guardrail.BoundedText;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One compiled detector: a pattern that finds candidates and, for types with a checksum or a
 * strict grammar, a validator that confirms them (Luhn for cards, mod-97 for IBANs, the IPv6
 * grammar). Immutable.
 *
 * @param label    the detector's name as configured (a type or a custom pattern's name)
 * @param maskWith what replaces a masked match: {@code [<LABEL>_REDACTED]}, or a custom pattern's
 *                 {@code replacement}
 * @param pattern  finds candidates
 * @param validator confirms a candidate, possibly shortening it; null accepts every candidate
 * @param block    true when a match refuses the text instead of masking it
 * @param priority breaks ties between overlapping matches of equal extent (lower wins)
 * @param custom   true for an operator's pattern: it runs under a read budget, and when it
 *                 declares a capture group only group 1 of each match is the detection (masked),
 *                 the rest of the match being context kept as is (AISIX's rule)
 * @param gate     a cheap necessary condition checked before the regex runs
 */
record Detector(String label, String maskWith, Pattern pattern, Validator validator, boolean block, int priority, boolean custom,
                Gate gate) {

    /**
     * A necessary condition for any match: at least {@code minDigits} digits in the text and, when
     * {@code anyOf} is not empty, one of those substrings. Regexes cost tens of nanoseconds per
     * character; most texts fail a gate with a few vectorised {@code indexOf} scans.
     */
    record Gate(int minDigits, String... anyOf) {
        static final Gate NONE = new Gate(0);

        boolean open(String text, int digits) {
            if (digits < minDigits) {
                return false;
            }
            if (anyOf.length == 0) {
                return true;
            }
            for (String s : anyOf) {
                if (text.contains(s)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Confirms a candidate {@code text[start, end)}: the end of the confirmed match, or -1. */
    @FunctionalInterface
    interface Validator {
        int confirm(String text, int start, int end);
    }

    /** A match found in a text. */
    record Span(int start, int end, Detector detector) {
    }

    /**
     * Adds every confirmed match to {@code out}.
     *
     * @throws BoundedText.Exhausted when an operator pattern ran out of budget
     */
    void find(String text, List<Span> out) {
        Matcher m = custom ? BoundedText.matcher(pattern, text) : pattern.matcher(text);
        int group = custom && m.groupCount() > 0 ? 1 : 0;
        while (m.find()) {
            int start = m.start(group);
            if (start < 0) {
                continue; // group 1 did not take part in this match: not a detection
            }
            int end = validator == null ? m.end(group) : validator.confirm(text, start, m.end(group));
            if (end > start) {
                out.add(new Span(start, end, this));
            }
        }
    }

    /**
     * AISIX's mask token for a detector name: {@code [<NAME>_REDACTED]}, the name upper-cased with
     * every character other than an ASCII letter or digit folded to {@code _}, so an operator's
     * name cannot put brackets or spaces into the token.
     */
    static String maskToken(String name) {
        StringBuilder b = new StringBuilder(name.length() + 11).append('[');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append(c < 128 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return b.append("_REDACTED]").toString();
    }
}
