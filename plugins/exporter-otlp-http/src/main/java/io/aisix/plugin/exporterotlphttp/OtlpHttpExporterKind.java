package io.aisix.plugin.exporterotlphttp;

import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.support.observe.HttpPostExporter;
import io.aisix.support.observe.HttpPostExporterKind;

/**
 * Exporter kind {@code otlp_http}: each batch is one OTLP/HTTP JSON export request,
 * {@code POST <endpoint>/v1/traces}, one span per usage event following the OpenTelemetry GenAI
 * semantic conventions (see {@link OtlpSpans}). Sent through the kernel's pooled upstream client
 * with the resource's {@code headers}; any 2xx accepts the batch.
 *
 * <p>Fields read: {@code endpoint} (required, http or https; {@code /v1/traces} is appended unless
 * already there), {@code headers}, {@code timeout_ms} (per POST, default 10000); see
 * {@link HttpPostExporter}.
 */
public final class OtlpHttpExporterKind extends HttpPostExporterKind {
    @Override
    public String kind() {
        return "otlp_http";
    }

    @Override
    public Exporter create(ExporterResource resource, PluginContext context) {
        return HttpPostExporter.create(kind(), resource, context, "application/json",
                OtlpHttpExporterKind::tracesUrl, OtlpSpans::exportRequest);
    }

    static String tracesUrl(String endpoint) {
        String e = endpoint;
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        return e.endsWith("/v1/traces") ? e : e + "/v1/traces";
    }
}
