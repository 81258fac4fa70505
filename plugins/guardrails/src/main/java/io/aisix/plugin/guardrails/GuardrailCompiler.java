package io.aisix.plugin.guardrails;

import io.aisix.spi.FilterContext;
import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.spi.resource.Guardrail;
import io.aisix.support.guardrail.GuardrailsKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Compiles the guardrails of a snapshot for one hook: keeps the enabled ones whose
 * {@code hook_point} includes it, resolves each {@code kind} through the kernel's
 * {@link GuardrailKinds} and compiles it. Compiled checks are reused across snapshots while the
 * guardrail resource is unchanged (records compare by value), so a change to an unrelated
 * resource does not recompile every regex; a changed guardrail is compiled afresh.
 *
 * <p>The order is by name, then id: AISIX evaluates oldest first, but rows carry no creation
 * time here, and a stable order keeps outcomes reproducible. Each guardrail gets its
 * {@code guardrail_attachments} rows ({@link CompiledGuardrail} says how they scope it).
 */
final class GuardrailCompiler {
    private static final Logger LOG = Logger.getLogger(GuardrailCompiler.class.getName());
    static final Comparator<Guardrail> ORDER = Comparator.comparing(Guardrail::name).thenComparing(Guardrail::id);
    private static final GuardrailAttachmentKind ATTACHMENTS = new GuardrailAttachmentKind();

    private final String hook;
    /** The checks of the last build, by resource value; replaced wholesale at each build. */
    private Map<Guardrail, GuardrailCheck> cache = Map.of();
    private PluginContext cachedFor;

    /** @param hook {@code input} or {@code output} */
    GuardrailCompiler(String hook) {
        this.hook = hook;
    }

    /** Snapshot builds are serialised by the kernel; synchronized only guards against misuse. */
    synchronized List<CompiledGuardrail> compile(FilterContext ctx) {
        List<Guardrail> wanted = new ArrayList<>();
        for (Guardrail g : ctx.snapshot().all(GuardrailsKind.KIND).values()) {
            if (g.enabled() && (g.hookPoint().equals("both") || g.hookPoint().equals(hook))) {
                wanted.add(g);
            }
        }
        if (wanted.isEmpty()) {
            cache = Map.of();
            return List.of();
        }
        wanted.sort(ORDER);
        if (cachedFor != ctx.plugin()) {
            cache = Map.of();
            cachedFor = ctx.plugin();
        }
        Optional<GuardrailKinds> kinds = ctx.plugin().service(GuardrailKinds.class);
        Map<String, List<GuardrailAttachment>> attachments = new HashMap<>();
        for (GuardrailAttachment a : ctx.snapshot().all(ATTACHMENTS).values()) {
            attachments.computeIfAbsent(a.guardrailId(), k -> new ArrayList<>()).add(a);
        }
        Map<Guardrail, GuardrailCheck> next = new HashMap<>();
        List<CompiledGuardrail> out = new ArrayList<>(wanted.size());
        for (Guardrail g : wanted) {
            GuardrailCheck check = cache.get(g);
            if (check == null) {
                Optional<GuardrailKind> kind = kinds.flatMap(k -> k.find(g.kind()));
                if (kind.isEmpty()) {
                    // validation refuses such rows; reaching this means the kernel did not validate
                    LOG.severe("guardrail '" + g.name() + "' (" + g.id() + ") has kind '" + g.kind()
                            + "', which no installed plugin provides; it is not applied");
                    continue;
                }
                try {
                    check = kind.get().compile(g, ctx.plugin());
                } catch (RuntimeException e) {
                    LOG.severe("guardrail '" + g.name() + "' (" + g.id() + ") could not be compiled and is not applied: "
                            + e.getMessage());
                    continue;
                }
            }
            next.put(g, check);
            out.add(CompiledGuardrail.of(g, check, attachments.getOrDefault(g.id(), List.of())));
        }
        cache = next;
        return List.copyOf(out);
    }
}
