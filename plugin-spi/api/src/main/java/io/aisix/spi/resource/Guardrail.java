package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A guardrail ({@code guardrails}). Kind-specific fields stay in {@link #spec()} for the
 * guardrail kind plugin to decode. {@link #toString()} leaves the spec out: it may hold a kind's
 * secrets (a webhook's {@code headers}).
 *
 * @param id              the resource id (the store key)
 * @param name            unique; the {@code guardrail} label of its metrics and outcomes
 * @param kind            the {@link io.aisix.spi.guardrail.GuardrailKind#kind()} that compiles it
 * @param enabled         false: the guardrail never runs
 * @param hookPoint       {@code input}, {@code output} or {@code both}
 * @param enforcementMode {@code block} or {@code monitor}
 * @param failOpen        when a check cannot be made (a webhook timed out), true (the default) lets
 *                        the text through as a bypass, false refuses it
 * @param appliesTo       {@code *}, {@code model:<alias>} or {@code api_key:<id>}
 * @param spec            the whole row as stored, for the kind's own fields
 */
public record Guardrail(String id, String name, String kind, boolean enabled, String hookPoint,
                        String enforcementMode, boolean failOpen, List<String> appliesTo, JsonNode spec) {

    @Override
    public String toString() {
        return "Guardrail[id=" + id + ", name=" + name + ", kind=" + kind + ", enabled=" + enabled + ", hook_point="
                + hookPoint + ", enforcement_mode=" + enforcementMode + ", fail_open=" + failOpen + ", applies_to="
                + appliesTo + "]";
    }
}
