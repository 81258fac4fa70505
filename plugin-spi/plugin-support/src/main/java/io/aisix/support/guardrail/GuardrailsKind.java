package io.aisix.support.guardrail;

import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code guardrails} resource kind, AISIX's common fields: {@code name}* (unique),
 * {@code kind}* (an installed guardrail kind), {@code enabled} [true], {@code hook_point}
 * [{@code both}] ({@code input}, {@code output}), {@code enforcement_mode} [{@code block}]
 * ({@code monitor}), {@code fail_open} [true], {@code applies_to} [{@code *}]
 * ({@code model:<alias>}, {@code api_key:<id>}; a resources file may name the key). Every other
 * field is its guardrail kind's: {@link #bind} adds the installed kinds' checks, fields, secrets
 * and schemas ({@link GuardrailRegistry#validating}).
 *
 * <p>The {@code guardrails} plugin serves it (a {@link java.util.ServiceLoader} service of that
 * plugin only: without the plugin, no gateway stores guardrails it would not enforce). It is
 * here, beside {@link GuardrailRegistry}, because the guardrail-kind plugins share the row it
 * decodes ({@link Guardrail}, the argument of {@link GuardrailKind#compile}) and decode rows with
 * it in their tests.
 *
 * <p>{@code headers} is masked on read whatever kinds are installed: AISIX's webhook guardrail
 * keeps credentials there, and a row stored before its kind's plugin was removed must not show them.
 */
public final class GuardrailsKind extends ReaderKind<Guardrail> {
    private static final Set<String> FIELDS = Set.of("name", "kind", "enabled", "hook_point", "enforcement_mode",
            "fail_open", "applies_to");
    /** The kind, as the guardrail stage reads it from a snapshot. */
    public static final GuardrailsKind KIND = new GuardrailsKind();

    /** For the ServiceLoader; code reads {@link #KIND}. */
    public GuardrailsKind() {
        super("guardrails", FIELDS, Guardrail::name);
    }

    @Override
    protected Guardrail read(String id, FieldReader r) {
        String name = r.string("name");
        String kind = r.string("kind");
        boolean enabled = r.bool("enabled", true);
        String hook = r.oneOf("hook_point", "both", List.of("input", "output", "both"));
        String mode = r.oneOf("enforcement_mode", "block", List.of("block", "monitor"));
        boolean failOpen = r.bool("fail_open", true);
        List<String> appliesTo = r.strings("applies_to", List.of("*"), "^(\\*$|model:|api_key:)",
                "must be '*', 'model:<alias>' or 'api_key:<id>'");
        return new Guardrail(id, name, kind, enabled, hook, mode, failOpen, appliesTo, r.node());
    }

    @Override
    public Set<String> secretMaps() {
        return Set.of("headers");
    }

    @Override
    public List<NameReference> nameReferences() {
        return List.of(new NameReference("/applies_to", "api_keys", "api_key:"));
    }

    /** This kind checked by the installed guardrail kinds, with their fields, secrets and schemas. */
    @Override
    public ResourceKind<Guardrail> bind(PluginContext context) {
        Map<String, GuardrailKind> byKind = new LinkedHashMap<>();
        context.services(GuardrailKind.class).forEach(k -> byKind.put(k.kind(), k));
        return GuardrailRegistry.of(byKind).validating(this, context);
    }
}
