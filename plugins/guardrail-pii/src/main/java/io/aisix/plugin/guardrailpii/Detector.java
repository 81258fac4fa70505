package io.aisix.plugin.guardrailpii;

import io.aisix.spi.guardrail.BoundedText;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One compiled detector: a pattern that finds candidates and, for types with a checksum or a
 * strict grammar, a validator that confirms them (Luhn for cards, mod-97 for IBANs, the IPv6
 * grammar). Immutable.
 *
 * @param label    what a mask says: {@code [REDACTED:<label>]}
 * @param pattern  finds candidates
 * @param validator confirms a candidate, possibly shortening it; null accepts every candidate
 * @param block    true when a match refuses the text instead of masking it
 * @param priority breaks ties between overlapping matches of equal extent (lower wins)
 * @param bounded  true for operator-written patterns, which run under a read budget
 * @param gate     a cheap necessary condition checked before the regex runs
 */
record Detector(String label, Pattern pattern, Validator validator, boolean block, int priority, boolean bounded,
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
        Matcher m = bounded ? BoundedText.matcher(pattern, text) : pattern.matcher(text);
        while (m.find()) {
            int end = validator == null ? m.end() : validator.confirm(text, m.start(), m.end());
            if (end > m.start()) {
                out.add(new Span(m.start(), end, this));
            }
        }
    }
}
