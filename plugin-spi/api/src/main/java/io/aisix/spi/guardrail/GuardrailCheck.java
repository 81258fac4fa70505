package io.aisix.spi.guardrail;

/**
 * A compiled guardrail: the kind-specific part of one {@code guardrails} resource, built once per
 * configuration snapshot by {@link GuardrailKind#compile}. Thread-safe and shared by every request
 * of the snapshot; {@link #check} may block (a webhook call) and must respect its own timeout.
 *
 * <p>The stage filters own everything that is common to all kinds: {@code enabled},
 * {@code hook_point}, {@code applies_to}, {@code enforcement_mode} (a {@code monitor} guardrail's
 * verdict is only recorded), the error answer and the metrics. A check only judges text.
 */
public interface GuardrailCheck {

    /** Inspects text; the verdict never carries what matched beyond the masked text. */
    Verdict check(String text, Phase phase);

    /**
     * True when a check costs a network round trip (a webhook). The output stage then checks a
     * stream in larger pieces instead of at every event, so a long answer does not turn into
     * hundreds of calls.
     */
    default boolean remote() {
        return false;
    }

    /**
     * The most streamed answer text, in UTF-8 bytes, this guardrail scans in one stream (AISIX's
     * {@code max_buffer_bytes}); empty (the default) for no bound of its own. Only enforcing
     * guardrails on streamed output are bounded; past the bound {@link #failClosedPastBuffer}
     * decides what happens.
     */
    default java.util.OptionalLong maxStreamBytes() {
        return java.util.OptionalLong.empty();
    }

    /**
     * AISIX's {@code on_buffer_exceeded}: true ({@code fail_closed}, the default) ends a stream that
     * passed {@link #maxStreamBytes} with {@code content_filter}; false ({@code fail_open}) stops
     * this guardrail scanning the rest of that stream, recorded as a bypass.
     */
    default boolean failClosedPastBuffer() {
        return true;
    }

    /** Which text a check judges. */
    enum Phase {
        /** The request's text (prompt, messages, tool arguments), before it goes upstream. */
        INPUT,
        /** The answer's text (a complete answer, or a stream's text piece by piece), before the caller gets it. */
        OUTPUT
    }

    /**
     * What a check decided about one text.
     *
     * @param hit      true when anything matched
     * @param block    true when the request must be refused
     * @param masked   the text with matches masked (equals the input when nothing is masked)
     * @param bypassed true when the check could not be made (a webhook timed out or failed) and
     *                 {@code fail_open} let the text through; recorded, never shown to the caller
     */
    record Verdict(boolean hit, boolean block, String masked, boolean bypassed) {
        /** A verdict of a check that was made (not a bypass). */
        public Verdict(boolean hit, boolean block, String masked) {
            this(hit, block, masked, false);
        }

        /** Nothing matched: {@code text} goes on unchanged. */
        public static Verdict pass(String text) {
            return new Verdict(false, false, text, false);
        }

        /** A refusal; the text is kept unchanged since it will not be forwarded. */
        public static Verdict block(String text) {
            return new Verdict(true, true, text, false);
        }

        /** The check could not be made and {@code fail_open} lets the text through. */
        public static Verdict bypass(String text) {
            return new Verdict(false, false, text, true);
        }

        /** True when the text was rewritten. */
        public boolean masks(String original) {
            return !block && !masked.equals(original);
        }
    }
}
