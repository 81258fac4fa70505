package io.aisix.plugin.exporterhttplog;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import java.net.URI;
import java.time.Duration;

/**
 * Exporter kind {@code http_log}: each batch is one {@code POST endpoint} with an NDJSON body
 * ({@code application/x-ndjson}, one {@link io.aisix.spi.observe.UsageEventJson} object per
 * line) and the resource's {@code headers}, sent through the kernel's pooled upstream client.
 * Any 2xx answer accepts the batch; anything else, or a transport failure, fails it.
 *
 * <p>Fields read: {@code endpoint} (required, http or https), {@code headers},
 * {@code timeout_ms} (per POST, default 10000).
 */
public final class HttpLogExporterKind implements ExporterKind {
    static final long DEFAULT_TIMEOUT_MS = 10_000;

    @Override
    public String kind() {
        return "http_log";
    }

    @Override
    public Exporter create(ExporterResource resource, PluginContext context) {
        String endpoint = resource.endpoint().orElseThrow(() ->
                new IllegalArgumentException("endpoint is required for kind http_log"));
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint is not a valid URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http:// or https:// URL");
        }
        Headers.Builder h = Headers.builder().set("content-type", "application/x-ndjson");
        resource.headers().forEach(h::set);
        return new HttpLogExporter(context.upstream(), endpoint, h.build(),
                Duration.ofMillis(timeoutMs(resource.spec())));
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
