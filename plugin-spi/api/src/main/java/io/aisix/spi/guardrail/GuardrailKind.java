package io.aisix.spi.guardrail;

import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ValidationException;

/**
 * A guardrail kind ({@code keyword}, {@code pii}, {@code webhook}, or a plugin's), discovered with
 * {@link java.util.ServiceLoader}. The guardrail stage filters resolve each {@code guardrails}
 * resource's {@code kind} to one of these.
 */
public interface GuardrailKind {

    /** The {@code kind} value this handles. */
    String kind();

    /**
     * Validates the kind-specific fields of a resource and compiles them (regexes, detectors).
     * Called at snapshot build time, never per request.
     *
     * @throws ValidationException naming the offending fields
     */
    GuardrailCheck compile(Guardrail guardrail, PluginContext context);
}
