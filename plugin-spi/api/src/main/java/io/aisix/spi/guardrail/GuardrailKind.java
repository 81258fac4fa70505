package io.aisix.spi.guardrail;

import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ValidationException;
import java.util.Set;

/**
 * A guardrail kind ({@code keyword}, {@code pii}, {@code webhook}, or a plugin's), discovered with
 * {@link java.util.ServiceLoader}. The guardrail stage filters resolve each {@code guardrails}
 * resource's {@code kind} to one of these through {@link GuardrailKinds}.
 *
 * <p>{@link #compile} is also the kind's validator: the {@code guardrails} resource kind calls it
 * (and discards the result) whenever a {@code guardrails} row is decoded, in the Admin API (a 400
 * listing the issues) and in the store loader (the row is skipped and reported). It must therefore be free of side effects:
 * no connections opened, no threads started.
 */
public interface GuardrailKind {

    /** The {@code kind} value this handles. */
    String kind();

    /**
     * Validates the kind-specific fields of a resource ({@link Guardrail#spec()}, the whole stored
     * object) and compiles them (regexes, detectors). Called at snapshot build time, never per
     * request.
     *
     * @throws ValidationException naming the offending fields with JSON pointers into the row
     *         ({@code /patterns/0/value})
     */
    GuardrailCheck compile(Guardrail guardrail, PluginContext context);

    /**
     * Top-level fields this kind reads besides the common guardrail fields, so they are not
     * reported as ignored in health.
     */
    default Set<String> fields() {
        return Set.of();
    }

    /**
     * Top-level string fields of this kind that hold secrets, as in
     * {@link io.aisix.spi.resource.ResourceKind#secretFields()}: masked on every Admin API read.
     */
    default Set<String> secretFields() {
        return Set.of();
    }

    /**
     * Top-level object fields of this kind whose every value is a secret (a {@code headers} map),
     * as in {@link io.aisix.spi.resource.ResourceKind#secretMaps()}: each value masked on every
     * Admin API read, the stored map kept when a PUT omits the field.
     */
    default Set<String> secretMaps() {
        return Set.of();
    }
}
