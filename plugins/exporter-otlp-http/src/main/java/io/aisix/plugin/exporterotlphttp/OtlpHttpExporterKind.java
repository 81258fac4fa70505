package io.aisix.plugin.exporterotlphttp;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import java.net.URI;
import java.time.Duration;

/**
 * Exporter kind {@code otlp_http}: each batch is one OTLP/HTTP JSON export request,
 * {@code POST <endpoint>/v1/traces}, one span per usage event following the OpenTelemetry GenAI
 * semantic conventions (see {@link OtlpSpans}). Sent through the kernel's pooled upstream client
 * with the resource's {@code headers}; any 2xx accepts the batch.
 *
 * <p>Fields read: {@code endpoint} (required, http or https; {@code /v1/traces} is appended unless
 * already there), {@code headers}, {@code timeout_ms} (per POST, default 10000).
 */
public final class OtlpHttpExporterKind implements ExporterKind {
    static final long DEFAULT_TIMEOUT_MS = 10_000;

    @Override
    public String kind() {
        return "otlp_http";
    }

    @Override
    public Exporter create(ExporterResource resource, PluginContext context) {
        String endpoint = resource.endpoint().orElseThrow(() ->
                new IllegalArgumentException("endpoint is required for kind otlp_http"));
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint is not a valid URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http:// or https:// URL");
        }
        Headers.Builder h = Headers.builder().set("content-type", "application/json");
        resource.headers().forEach(h::set);
        return new OtlpHttpExporter(context.upstream(), tracesUrl(endpoint), h.build(),
                Duration.ofMillis(timeoutMs(resource.spec())));
    }

    static String tracesUrl(String endpoint) {
        String e = endpoint;
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        return e.endsWith("/v1/traces") ? e : e + "/v1/traces";
    }

    static long timeoutMs(JsonNode spec) {
        JsonNode n = spec == null ? null : spec.get("timeout_ms");
        if (n == null || n.isNull()) {
            return DEFAULT_TIMEOUT_MS;
        }
        if (!n.isIntegralNumber() || n.longValue() < 1) {
            throw new IllegalArgumentException("timeout_ms must be a positive integer");
        }
        return n.longValue();
    }
}
