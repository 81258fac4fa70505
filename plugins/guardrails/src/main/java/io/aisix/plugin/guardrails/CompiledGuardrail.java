package io.aisix.plugin.guardrails;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.Model;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One enabled guardrail of a snapshot, ready to run: its compiled check plus the common fields
 * the stage filters enforce.
 *
 * <p>{@code applies_to} entries: {@code *} (every request), {@code model:<x>} where {@code x} is
 * the alias the caller sent, the name of the model resource that answered it (a wildcard alias
 * such as {@code gpt-*}), or that resource's id; {@code api_key:<id>} where {@code id} is the
 * caller key's resource id. A guardrail applies when any entry matches.
 */
record CompiledGuardrail(String id, String name, boolean monitor, boolean global, Set<String> models,
                         Set<String> keys, GuardrailCheck check) {

    static CompiledGuardrail of(Guardrail g, GuardrailCheck check) {
        boolean global = false;
        Set<String> models = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (String a : g.appliesTo()) {
            if (a.equals("*")) {
                global = true;
            } else if (a.startsWith("model:")) {
                models.add(a.substring("model:".length()));
            } else if (a.startsWith("api_key:")) {
                keys.add(a.substring("api_key:".length()));
            }
        }
        return new CompiledGuardrail(g.id(), g.name(), g.enforcementMode().equals("monitor"), global,
                Set.copyOf(models), Set.copyOf(keys), check);
    }

    boolean appliesTo(Optional<String> alias, Optional<Model> model, Optional<CallerKey> caller) {
        if (global) {
            return true;
        }
        if (!models.isEmpty()) {
            if (alias.isPresent() && models.contains(alias.get())) {
                return true;
            }
            if (model.isPresent() && (models.contains(model.get().displayName()) || models.contains(model.get().id()))) {
                return true;
            }
        }
        return caller.isPresent() && keys.contains(caller.get().id());
    }

    /** The guardrails of {@code all} that apply to this request, in their configured order. */
    static List<CompiledGuardrail> select(List<CompiledGuardrail> all, boolean allGlobal, Exchange ex) {
        if (allGlobal) {
            return all;
        }
        Optional<String> alias = ex.attr(CoreAttrs.ALIAS);
        Optional<Model> model = ex.attr(CoreAttrs.MODEL);
        Optional<CallerKey> caller = ex.attr(CoreAttrs.CALLER);
        List<CompiledGuardrail> out = new ArrayList<>(all.size());
        for (CompiledGuardrail g : all) {
            if (g.appliesTo(alias, model, caller)) {
                out.add(g);
            }
        }
        return out;
    }
}
