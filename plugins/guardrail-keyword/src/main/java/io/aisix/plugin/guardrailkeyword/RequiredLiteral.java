package io.aisix.plugin.guardrailkeyword;

import java.util.Locale;
import java.util.Optional;

/**
 * A literal that every match of a regex contains, found by reading the regex's top-level sequence,
 * so that a text without it is passed without running the regex. {@code java.util.regex} tries the
 * pattern at every position of the text (a case-insensitive {@code \bword\b} costs ~10 µs per KiB),
 * while a substring search is vectorised; most texts contain none of a guardrail's words.
 *
 * <p>Deliberately conservative: a regex with a top-level alternation, inline flags other than a
 * leading {@code (?i)}, {@code \Q...\E} quoting, named back-references, property classes or octal,
 * hex and Unicode escapes gets no literal and always runs. Groups, classes, {@code .}, escapes of letters and digits ({@code \b}, {@code \d},
 * {@code \n}) and anchors end a run of literal characters; a character followed by {@code ?},
 * {@code *} or a repetition that may be zero is not required; one followed by {@code +} or
 * {@code {n}} is required but ends its run. The longest run is the required literal.
 *
 * <p>Under {@code (?i)} (ASCII-only case folding, as Java applies it without {@code (?u)}) only an
 * all-ASCII literal is kept, lower-cased, and is looked for in the text lower-cased with
 * {@link Locale#ROOT}: that maps each ASCII letter as the regex folds it and never joins or splits a
 * run of ASCII characters, so a text the regex matches always contains the literal.
 *
 * @param text the literal (lower-case when {@code ignoreCase})
 * @param ignoreCase whether to look for it in the lower-cased text
 */
record RequiredLiteral(String text, boolean ignoreCase) {
    private static final String CASE_INSENSITIVE_PREFIX = "(?i)";

    /** The required literal of {@code regex} (compiled without flags), if one can be read off it. */
    static Optional<RequiredLiteral> of(String regex) {
        if (regex.chars().anyMatch(ch -> Character.isSurrogate((char) ch))) {
            return Optional.empty(); // a quantifier after a pair applies to both halves
        }
        boolean ignoreCase = regex.startsWith(CASE_INSENSITIVE_PREFIX);
        String body = ignoreCase ? regex.substring(CASE_INSENSITIVE_PREFIX.length()) : regex;
        String best = "";
        StringBuilder run = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            int next;
            Character literal = null;
            switch (c) {
                case '|' -> {
                    return Optional.empty(); // top-level alternation: nothing is required
                }
                case '(' -> {
                    if (body.startsWith("(?", i) && !isGroupWithBody(body, i)) {
                        return Optional.empty(); // (?x) and friends change how the rest reads
                    }
                    next = skipGroup(body, i);
                }
                case '[' -> next = skipClass(body, i);
                case '\\' -> {
                    if (i + 1 >= body.length()) {
                        return Optional.empty();
                    }
                    char e = body.charAt(i + 1);
                    if ("QE0xucNkpP".indexOf(e) >= 0) {
                        return Optional.empty(); // longer escapes (x41, k<name>, pL ...) are not read
                    }
                    if (!Character.isLetterOrDigit(e)) {
                        literal = e;
                    }
                    next = i + 2;
                }
                case '.', '^', '$', ')', ']', '{', '}', '*', '+', '?' -> next = i + 1;
                default -> {
                    literal = c;
                    next = i + 1;
                }
            }
            if (next < 0) {
                return Optional.empty();
            }
            Quantifier q = Quantifier.at(body, next);
            if (q == null) {
                return Optional.empty();
            }
            if (literal != null && q.min > 0) {
                run.append(literal.charValue());
            }
            if (literal == null || q.present) {
                best = longer(best, run);
                run.setLength(0);
            }
            i = q.end;
        }
        best = longer(best, run);
        if (best.isEmpty()) {
            return Optional.empty();
        }
        if (ignoreCase) {
            if (!best.chars().allMatch(ch -> ch < 0x80)) {
                return Optional.empty();
            }
            best = best.toLowerCase(Locale.ROOT);
        }
        return Optional.of(new RequiredLiteral(best, ignoreCase));
    }

    /** Whether the text (and its {@link Locale#ROOT} lower-case form, when needed) contains the literal. */
    boolean foundIn(String original, String lower) {
        return (ignoreCase ? lower : original).contains(text);
    }

    private static String longer(String best, CharSequence run) {
        return run.length() > best.length() ? run.toString() : best;
    }

    /** {@code (?:...)}, {@code (?i:...)}, look-arounds and named groups have a body; {@code (?i)} has not. */
    private static boolean isGroupWithBody(String s, int open) {
        for (int j = open + 2; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == ')') {
                return false;
            }
            if (!Character.isLetter(c) && c != '-') {
                return true; // ':', '=', '!', '<', '>' ...
            }
        }
        return false;
    }

    /** The index after the group opening at {@code open}, or -1 when it does not close. */
    private static int skipGroup(String s, int open) {
        int depth = 0;
        for (int j = open; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') {
                if (j + 1 < s.length() && s.charAt(j + 1) == 'Q') {
                    return -1;
                }
                j++;
            } else if (c == '[') {
                j = skipClass(s, j) - 1;
                if (j < 0) {
                    return -1;
                }
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return j + 1;
            }
        }
        return -1;
    }

    /**
     * The index after the character class opening at {@code open}, nested classes included, or -1.
     * A {@code ]} right after {@code [} or {@code [^} is a member, as {@code java.util.regex} reads it.
     */
    private static int skipClass(String s, int open) {
        int depth = 0;
        int j = open;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (c == '\\') {
                if (j + 1 < s.length() && s.charAt(j + 1) == 'Q') {
                    return -1;
                }
                j += 2;
            } else if (c == '[') {
                depth++;
                j++;
                if (j < s.length() && s.charAt(j) == '^') {
                    j++;
                }
                if (j < s.length() && s.charAt(j) == ']') {
                    j++;
                }
            } else if (c == ']' && --depth == 0) {
                return j + 1;
            } else {
                j++;
            }
        }
        return -1;
    }

    /**
     * The quantifier after an atom: its lowest repeat count, whether there is one (a quantified atom
     * ends a run), and where the next atom starts. Null for something unreadable, such as a
     * {@code {} that is not a repetition.
     */
    private record Quantifier(int min, boolean present, int end) {
        static Quantifier at(String s, int i) {
            if (i >= s.length()) {
                return new Quantifier(1, false, i);
            }
            int min;
            int end;
            switch (s.charAt(i)) {
                case '?', '*' -> {
                    min = 0;
                    end = i + 1;
                }
                case '+' -> {
                    min = 1;
                    end = i + 1;
                }
                case '{' -> {
                    int close = s.indexOf('}', i);
                    if (close < 0) {
                        return null;
                    }
                    String spec = s.substring(i + 1, close);
                    String low = spec.contains(",") ? spec.substring(0, spec.indexOf(',')) : spec;
                    if (low.isEmpty() || !low.chars().allMatch(Character::isDigit) || low.length() > 9) {
                        return null;
                    }
                    min = Integer.parseInt(low) > 0 ? 1 : 0;
                    end = close + 1;
                }
                default -> {
                    return new Quantifier(1, false, i);
                }
            }
            if (end < s.length() && (s.charAt(end) == '?' || s.charAt(end) == '+')) {
                end++; // lazy or possessive: the same counts
            }
            return new Quantifier(min, true, end);
        }
    }
}
