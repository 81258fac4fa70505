package io.aisix.plugin.exporterhttplog;

import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.support.observe.HttpPostExporter;
import io.aisix.support.observe.HttpPostExporterKind;
import io.aisix.support.observe.UsageEventJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Exporter kind {@code http_log}: each batch is one {@code POST endpoint} with an NDJSON body
 * ({@code application/x-ndjson}, one {@link UsageEventJson} object per line) and the resource's
 * {@code headers}, sent through the kernel's pooled upstream client. Any 2xx answer accepts the
 * batch; anything else, or a transport failure, fails it.
 *
 * <p>Fields read: {@code endpoint} (required, http or https), {@code headers},
 * {@code timeout_ms} (per POST, default 10000); see {@link HttpPostExporter}.
 */
public final class HttpLogExporterKind extends HttpPostExporterKind {

    @Override
    public String kind() {
        return "http_log";
    }

    @Override
    public Exporter create(ExporterResource resource, PluginContext context) {
        return HttpPostExporter.create(kind(), resource, context, "application/x-ndjson", UnaryOperator.identity(),
                HttpLogExporterKind::ndjson);
    }

    static byte[] ndjson(List<UsageEvent> batch) {
        StringBuilder body = new StringBuilder(batch.size() * 400);
        for (UsageEvent e : batch) {
            body.append(UsageEventJson.toJson(e, true)).append('\n');
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
