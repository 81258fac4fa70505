package io.aisix.spi.observe;

import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.ExporterResource;

/**
 * An exporter kind ({@code otlp_http}, {@code http_log}, {@code file}, or a plugin's), discovered
 * with {@link java.util.ServiceLoader} and handed to the observe plugin through
 * {@link PluginContext#services(Class)}.
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
}
