package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A guardrail ({@code guardrails}). Kind-specific fields stay in {@link #spec()} for the
 * guardrail kind plugin to decode. {@link #toString()} leaves the spec out: it may hold a kind's
 * secrets (a webhook's {@code headers}).
 *
 * @param hookPoint       {@code input}, {@code output} or {@code both}
 * @param enforcementMode {@code block} or {@code monitor}
 * @param appliesTo       {@code *}, {@code model:<alias>} or {@code api_key:<id>}
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
