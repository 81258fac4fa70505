package io.aisix.spi.observe;

import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.ExporterResource;

/**
 * An exporter kind ({@code otlp_http}, {@code http_log}, {@code file}, or a plugin's), discovered
 * with {@link java.util.ServiceLoader}.
 */
public interface ExporterKind {

    String kind();

    /** Builds a sink for one exporter resource; called when the resource appears or changes. */
    Exporter create(ExporterResource resource, PluginContext context);
}
