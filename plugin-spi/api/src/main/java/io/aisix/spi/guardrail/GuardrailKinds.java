package io.aisix.spi.guardrail;

import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.Guardrail;
import java.util.Optional;
import java.util.Set;

/**
 * The installed {@link GuardrailKind}s by {@code kind}. The kernel registers one instance as a
 * shared service, so the guardrail stage filters find it with
 * {@code context.plugin().service(GuardrailKinds.class)}.
 */
public interface GuardrailKinds {

    /** The installed kind named {@code kind}, if any. */
    Optional<GuardrailKind> find(String kind);

    /** The installed kinds, sorted. */
    Set<String> kinds();

    /**
     * Validates the kind-specific part of a decoded guardrail by compiling it with its kind.
     *
     * @throws io.aisix.spi.resource.ValidationException when the kind is not installed or its
     *         fields are invalid, each problem with its JSON pointer
     */
    void validate(Guardrail guardrail, PluginContext context);
}
