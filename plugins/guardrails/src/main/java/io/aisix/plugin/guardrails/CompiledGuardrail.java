package io.aisix.plugin.guardrails;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.Model;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One enabled guardrail of a snapshot, ready to run: its compiled check plus where it applies.
 *
 * <p>Where it applies. A guardrail with {@code guardrail_attachments} rows (AISIX's way) applies
 * where an enabled attachment matches the request: {@code env} always, {@code model} when
 * {@code scope_id} is the id (or the name) of the model resource the caller's alias resolved to,
 * {@code api_key} the caller key's id, {@code team} its {@code team_id}; when all its attachments
 * are disabled it applies nowhere. A guardrail without attachments keeps its own
 * {@code applies_to} entries: {@code *} (every request), {@code model:<x>} where {@code x} is the
 * alias the caller sent, the name of the model resource that answered it (a wildcard alias such as
 * {@code gpt-*}), or that resource's id; {@code api_key:<id>} the caller key's id. Guardrails that
 * apply run by attachment {@code priority}, higher first (0 without attachments, AISIX's global
 * fallback), then in their configured order. MCP tool calls are selected by
 * {@link #selectMcp}: they resolve no model, so model scopes never apply to them.
 *
 * @param attachments the guardrail's attachment rows, enabled or not (empty: {@code applies_to} decides)
 */
record CompiledGuardrail(String id, String name, boolean monitor, boolean global, Set<String> models,
                         Set<String> keys, List<GuardrailAttachment> attachments, GuardrailCheck check) {

    static CompiledGuardrail of(Guardrail g, GuardrailCheck check, List<GuardrailAttachment> attachments) {
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
        return new CompiledGuardrail(g.id(), g.name(), g.enforcementMode().equals("monitor"),
                global && attachments.isEmpty(), Set.copyOf(models), Set.copyOf(keys), List.copyOf(attachments), check);
    }

    /** The priority this guardrail runs at for the request, or empty when it does not apply. */
    OptionalInt priorityFor(Optional<String> alias, Optional<Model> model, Optional<CallerKey> caller) {
        if (attachments.isEmpty()) {
            return appliesTo(alias, model, caller) ? OptionalInt.of(0) : OptionalInt.empty();
        }
        OptionalInt best = OptionalInt.empty();
        for (GuardrailAttachment a : attachments) {
            if (a.enabled() && matches(a, model, caller, Set.of())
                    && (best.isEmpty() || a.priority() > best.getAsInt())) {
                best = OptionalInt.of(a.priority());
            }
        }
        return best;
    }

    /**
     * The priority this guardrail runs at for an MCP tool call, or empty when it does not apply.
     * AISIX's rule: a tool call resolves no model, so {@code model} attachments and
     * {@code applies_to: model:<x>} never match it; {@code env}, {@code api_key}, {@code team}
     * and {@code mcp_server} (the server's id, or its name as a convenience) attachments do, and
     * without attachments {@code *} and {@code api_key:<id>}.
     */
    OptionalInt priorityForMcp(Optional<CallerKey> caller, Set<String> serverRefs) {
        if (attachments.isEmpty()) {
            return global || (caller.isPresent() && keys.contains(caller.get().id())) ? OptionalInt.of(0)
                    : OptionalInt.empty();
        }
        OptionalInt best = OptionalInt.empty();
        for (GuardrailAttachment a : attachments) {
            if (a.enabled() && matches(a, Optional.empty(), caller, serverRefs)
                    && (best.isEmpty() || a.priority() > best.getAsInt())) {
                best = OptionalInt.of(a.priority());
            }
        }
        return best;
    }

    private static boolean matches(GuardrailAttachment a, Optional<Model> model, Optional<CallerKey> caller,
                                   Set<String> serverRefs) {
        String ref = a.scopeId().orElse("");
        return switch (a.scopeType()) {
            case "env" -> true;
            case "model" -> model.isPresent() && (model.get().id().equals(ref) || model.get().displayName().equals(ref));
            case "api_key" -> caller.isPresent() && caller.get().id().equals(ref);
            case "team" -> caller.isPresent() && caller.get().teamId().map(ref::equals).orElse(false);
            case "mcp_server" -> serverRefs.contains(ref);
            default -> false; // passthrough_route: traffic this gateway does not serve
        };
    }

    private boolean appliesTo(Optional<String> alias, Optional<Model> model, Optional<CallerKey> caller) {
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

    /** The guardrails of {@code all} that apply to this request, in the order they run. */
    static List<CompiledGuardrail> select(List<CompiledGuardrail> all, boolean allGlobal, Exchange ex) {
        if (allGlobal) {
            return all;
        }
        Optional<String> alias = ex.attr(CoreAttrs.ALIAS);
        Optional<Model> model = ex.attr(CoreAttrs.MODEL);
        Optional<CallerKey> caller = ex.attr(CoreAttrs.CALLER);
        return rank(all, g -> g.priorityFor(alias, model, caller));
    }

    /**
     * The guardrails of {@code all} that apply to an MCP tool call on the server {@code serverId}
     * (named by {@link CoreAttrs#MCP_SERVER}), in the order they run; see {@link #priorityForMcp}.
     */
    static List<CompiledGuardrail> selectMcp(List<CompiledGuardrail> all, Exchange ex, String serverId) {
        Optional<CallerKey> caller = ex.attr(CoreAttrs.CALLER);
        Set<String> refs = new HashSet<>();
        refs.add(serverId);
        ex.attr(CoreAttrs.MCP_SERVER).ifPresent(refs::add);
        return rank(all, g -> g.priorityForMcp(caller, refs));
    }

    private static List<CompiledGuardrail> rank(List<CompiledGuardrail> all,
                                                java.util.function.Function<CompiledGuardrail, OptionalInt> priority) {
        List<Ranked> ranked = new ArrayList<>(all.size());
        boolean ordered = true;
        for (CompiledGuardrail g : all) {
            OptionalInt p = priority.apply(g);
            if (p.isPresent()) {
                ordered &= ranked.isEmpty() || ranked.get(ranked.size() - 1).priority() >= p.getAsInt();
                ranked.add(new Ranked(g, p.getAsInt()));
            }
        }
        if (!ordered) {
            ranked.sort(Comparator.comparingInt(Ranked::priority).reversed()); // stable: ties keep their order
        }
        List<CompiledGuardrail> out = new ArrayList<>(ranked.size());
        for (Ranked r : ranked) {
            out.add(r.guardrail());
        }
        return out;
    }

    private record Ranked(CompiledGuardrail guardrail, int priority) {
    }
}
