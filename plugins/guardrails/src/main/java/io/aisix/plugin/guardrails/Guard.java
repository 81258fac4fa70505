package io.aisix.plugin.guardrails;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailCheck.Verdict;
import io.aisix.spi.observe.GatewayMetrics;
import java.util.List;

/**
 * Runs guardrails over the text of a request or a complete answer, and records what happened.
 *
 * <p>Guardrails run one after the other, each on the text as the previous ones left it (masks
 * accumulate); the first enforcing block ends the request with 422 {@code content_filter} naming
 * the guardrail, never what matched. A {@code monitor} guardrail's block or mask is only recorded
 * ({@code would_block} / {@code would_mask}). The text of all slots is checked in one call (slots
 * joined by a blank line), so a webhook costs one round trip per request; only when a guardrail
 * masks are the slots checked one by one, so each mask lands in the slot it belongs to.
 *
 * <p>Records: {@value #HITS}{guardrail, action block|mask|would_block|would_mask, phase},
 * {@value #BYPASSES}{guardrail, phase} when a check could not be made and {@code fail_open} let
 * the text through, and {@link CoreAttrs#GUARDRAIL_OUTCOME}.
 */
final class Guard {
    static final String HITS = "aisix_guardrail_hits_total";
    static final String BYPASSES = "aisix_guardrail_bypasses_total";
    private static final String SEPARATOR = "\n\n";

    private final GatewayMetrics metrics;
    private final Phase phase;
    private final String phaseLabel;

    Guard(GatewayMetrics metrics, Phase phase) {
        this.metrics = metrics;
        this.phase = phase;
        this.phaseLabel = phase == Phase.INPUT ? "input" : "output";
    }

    Phase phase() {
        return phase;
    }

    /**
     * Checks and, where guardrails mask, rewrites the slots.
     *
     * @return true when any slot was rewritten
     * @throws GatewayException {@code content_filter} when an enforcing guardrail blocks
     */
    boolean enforce(Exchange ex, List<CompiledGuardrail> guardrails, List<TextSlot> slots) {
        if (slots.isEmpty()) {
            return false;
        }
        boolean rewritten = false;
        boolean anything = false;
        String joined = null;
        for (CompiledGuardrail g : guardrails) {
            if (joined == null) {
                joined = join(slots);
            }
            Verdict v = g.check().check(joined, phase);
            if (v.bypassed()) {
                bypass(ex, g);
                anything = true;
            }
            if (v.block()) {
                anything = true;
                block(ex, g);
                continue;
            }
            if (!v.masks(joined)) {
                continue;
            }
            anything = true;
            if (g.monitor()) {
                hit(ex, g, "would_mask", "monitored");
                continue;
            }
            boolean changed = false;
            if (slots.size() == 1) {
                slots.get(0).set(v.masked());
                changed = true;
            } else {
                for (TextSlot slot : slots) {
                    Verdict sv = g.check().check(slot.text(), phase);
                    if (sv.block()) {
                        block(ex, g);
                        continue;
                    }
                    if (sv.masks(slot.text())) {
                        slot.set(sv.masked());
                        changed = true;
                    }
                }
            }
            if (changed) {
                hit(ex, g, "mask", "masked");
                rewritten = true;
                joined = null;
            }
        }
        if (!anything) {
            pass(ex);
        }
        return rewritten;
    }

    /**
     * Applies the masks of the enforcing guardrails to a second copy of a request already checked
     * with {@link #enforce} (the caller's own dialect of it), slot by slot, without recording again.
     * A block found here still refuses the request (the copies say the same in other shapes).
     */
    void maskAlso(List<CompiledGuardrail> guardrails, List<TextSlot> slots) {
        for (CompiledGuardrail g : guardrails) {
            if (g.monitor()) {
                continue;
            }
            for (TextSlot slot : slots) {
                Verdict v = g.check().check(slot.text(), phase);
                if (v.block()) {
                    throw blocked(g);
                }
                if (v.masks(slot.text())) {
                    slot.set(v.masked());
                }
            }
        }
    }

    /** Records a block; throws unless the guardrail only monitors. */
    void block(Exchange ex, CompiledGuardrail g) {
        if (g.monitor()) {
            hit(ex, g, "would_block", "monitored");
            return;
        }
        hit(ex, g, "block", "blocked");
        throw blocked(g);
    }

    GatewayException blocked(CompiledGuardrail g) {
        return new GatewayException(ErrorCode.CONTENT_FILTER, (phase == Phase.INPUT ? "request" : "response")
                + " blocked by content policy (guardrail '" + g.name() + "')");
    }

    void hit(Exchange ex, CompiledGuardrail g, String action, String outcome) {
        metrics.increment(HITS, "guardrail", g.name(), "action", action, "phase", phaseLabel);
        outcome(ex, outcome + ":" + g.name());
    }

    void bypass(Exchange ex, CompiledGuardrail g) {
        metrics.increment(BYPASSES, "guardrail", g.name(), "phase", phaseLabel);
        outcome(ex, "bypassed:" + g.name());
    }

    /** Marks that guardrails ran without a finding, unless something was recorded already. */
    static void pass(Exchange ex) {
        if (ex.attr(CoreAttrs.GUARDRAIL_OUTCOME).isEmpty()) {
            ex.attr(CoreAttrs.GUARDRAIL_OUTCOME, "pass");
        }
    }

    static void outcome(Exchange ex, String entry) {
        String prior = ex.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElse("pass");
        ex.attr(CoreAttrs.GUARDRAIL_OUTCOME, prior.equals("pass") ? entry : prior + "," + entry);
    }

    /** The slots' text joined by blank lines; slots before the first non-empty one add no separator. */
    static String join(List<TextSlot> slots) {
        if (slots.size() == 1) {
            return slots.get(0).text();
        }
        // sized first, as the loop below fills it: growing from 16 chars copied the prompt several times
        int length = 0;
        for (TextSlot s : slots) {
            int n = s.text().length();
            length += length == 0 ? n : SEPARATOR.length() + n;
        }
        StringBuilder b = new StringBuilder(length);
        for (TextSlot s : slots) {
            if (!b.isEmpty()) {
                b.append(SEPARATOR);
            }
            b.append(s.text());
        }
        return b.toString();
    }
}
