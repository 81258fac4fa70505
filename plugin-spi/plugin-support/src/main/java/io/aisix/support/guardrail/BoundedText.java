package io.aisix.support.guardrail;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A view of a string that gives a regular expression a bounded number of character reads, so a
 * pathological operator-supplied pattern ({@code (a+)+$} against a long run of {@code a}) cannot
 * pin a request thread: past the budget, {@link #charAt} throws {@link Exhausted}. Guardrail kinds
 * run operator-written regexes through {@link #matcher} and treat {@code Exhausted} as a failure
 * of the check (the built-in kinds fail closed: the text is refused).
 *
 * <p>The budget is {@value #READS_PER_CHAR} reads per character of text (at least
 * {@value #MIN_READS}, at most {@value #MAX_READS}), orders of magnitude above what a sane
 * pattern needs. One instance per match; not thread-safe.
 */
public final class BoundedText implements CharSequence {
    static final long READS_PER_CHAR = 200;
    static final long MIN_READS = 1_000_000;
    static final long MAX_READS = 200_000_000;

    private final String text;
    private final int from;
    private final int to;
    private final long[] left;

    private BoundedText(String text, int from, int to, long[] left) {
        this.text = text;
        this.from = from;
        this.to = to;
        this.left = left;
    }

    /** A matcher of {@code pattern} over {@code text} with the default read budget. */
    public static Matcher matcher(Pattern pattern, String text) {
        long budget = Math.min(MAX_READS, Math.max(MIN_READS, READS_PER_CHAR * text.length()));
        return pattern.matcher(new BoundedText(text, 0, text.length(), new long[] {budget}));
    }

    /** A matcher with an explicit budget (tests). */
    public static Matcher matcher(Pattern pattern, String text, long budget) {
        return pattern.matcher(new BoundedText(text, 0, text.length(), new long[] {budget}));
    }

    @Override
    public int length() {
        return to - from;
    }

    @Override
    public char charAt(int index) {
        if (--left[0] < 0) {
            throw new Exhausted();
        }
        return text.charAt(from + index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BoundedText(text, from + start, from + end, left);
    }

    @Override
    public String toString() {
        return text.substring(from, to);
    }

    /** The pattern used up its read budget on this text. */
    public static final class Exhausted extends RuntimeException {
        public Exhausted() {
            super("regular expression exceeded its evaluation budget", null, false, false);
        }
    }
}
