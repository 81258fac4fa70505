package io.aisix.spi.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.ValidationException;
import java.util.Set;

/**
 * An exporter kind ({@code otlp_http}, {@code http_log}, {@code file}, or a plugin's), discovered
 * with {@link java.util.ServiceLoader} and handed to the observe plugin through
 * {@link PluginContext#services(Class)}.
 *
 * <p>The observe plugin's {@code observability_exporters} resource kind reads the fields every
 * exporter has ({@code name}, {@code enabled}, {@code kind}, {@code endpoint}, {@code path},
 * {@code headers}, {@code sample_rate}, {@code content_mode}, {@code batch_size},
 * {@code flush_interval_ms}, {@code content_max_bytes}); everything else on a row belongs to its
 * kind, which declares it ({@link #fields()}, {@link #secretFields()}, {@link #secretMaps()}) and
 * checks it ({@link #validate}), so the Admin API refuses a bad value when it is written and the
 * published schema describes it.
 */
public interface ExporterKind {

    /**
     * The {@code kind} value of the {@code observability_exporters} rows this serves
     * ({@code lower_snake_case}); read once at startup. When two plugins name the same kind, the
     * first loaded serves it.
     */
    String kind();

    /**
     * Builds a sink for one exporter resource; called off the request path when the resource
     * appears or changes (the previous sink of a changed resource is flushed and closed). Outbound
     * HTTP goes through {@link PluginContext#sideCallClient()}.
     *
     * @throws IllegalArgumentException when the resource cannot work with this kind (the message
     *         must not contain header values or other secrets); the resource is then skipped
     */
    Exporter create(ExporterResource resource, PluginContext context);

    /**
     * Top-level fields of a row of this kind that this kind reads besides the common ones (a file
     * kind's {@code max_bytes}, an HTTP kind's {@code timeout_ms}): on a row of this kind they are
     * not reported as ignored in health. Every field {@link #validate} reads belongs here.
     */
    default Set<String> fields() {
        return Set.of();
    }

    /**
     * Checks this kind's rules on a row of this kind (the whole stored object, as
     * {@link ExporterResource#spec()} holds it): its own {@link #fields()}, and the common fields it
     * needs (an HTTP kind's {@code endpoint}). The {@code observability_exporters} kind calls it
     * whenever a row of this kind is decoded, beside its common checks, and reports the issues of
     * both at once: a 400 from the Admin API, a skipped and reported row in the store loader.
     *
     * <p>It is also called with a {@link io.aisix.spi.resource.SchemaProbe} as the row, to describe
     * the kind's fields in the published schema (a kind that reads with plugin-support's
     * {@code FieldReader} describes exactly what it accepts). It must therefore accept a probe and
     * be free of side effects: no file opened, no connection, no thread. The default checks nothing.
     *
     * @param row     the stored row; its {@code kind} is this kind
     * @param context the observe plugin's context
     * @throws ValidationException listing every problem, each with a JSON pointer into the row
     *         ({@code /max_bytes})
     */
    default void validate(JsonNode row, PluginContext context) {
    }

    /**
     * Top-level string fields of this kind that hold secrets, as in
     * {@link io.aisix.spi.resource.ResourceKind#secretFields()}: while this kind is installed,
     * masked on every Admin API read of an exporter row, whatever the row's kind.
     */
    default Set<String> secretFields() {
        return Set.of();
    }

    /**
     * Top-level object fields of this kind whose every value is a secret, as in
     * {@link io.aisix.spi.resource.ResourceKind#secretMaps()}; {@code headers} is a common field,
     * always masked.
     */
    default Set<String> secretMaps() {
        return Set.of();
    }
}
