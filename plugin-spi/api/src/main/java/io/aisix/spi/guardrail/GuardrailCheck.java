package io.aisix.spi.guardrail;

/**
 * A compiled guardrail. Thread-safe; {@link #check} may block (a webhook call) and must respect
 * its own timeout.
 */
public interface GuardrailCheck {

    /** Inspects text; the verdict never carries what matched beyond the masked text. */
    Verdict check(String text, Phase phase);

    enum Phase { INPUT, OUTPUT }

    /**
     * @param hit    true when anything matched
     * @param block  true when the request must be refused
     * @param masked the text with matches masked (equals the input when nothing is masked)
     */
    record Verdict(boolean hit, boolean block, String masked) {
        public static Verdict pass(String text) {
            return new Verdict(false, false, text);
        }
    }
}
