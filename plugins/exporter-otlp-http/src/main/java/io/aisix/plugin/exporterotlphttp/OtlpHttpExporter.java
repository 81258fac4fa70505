package io.aisix.plugin.exporterotlphttp;

import io.aisix.spi.Headers;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** POSTs one OTLP/JSON {@code ExportTraceServiceRequest} per batch; a non-2xx answer throws. */
final class OtlpHttpExporter implements Exporter {
    private final UpstreamClient client;
    private final String url;
    private final Headers headers;
    private final Duration timeout;

    OtlpHttpExporter(UpstreamClient client, String url, Headers headers, Duration timeout) {
        this.client = client;
        this.url = url;
        this.headers = headers;
        this.timeout = timeout;
    }

    @Override
    public void export(List<UsageEvent> batch) throws IOException {
        UpstreamRequest req = new UpstreamRequest("POST", url, headers, OtlpSpans.exportRequest(batch), false, timeout,
                Optional.empty(), true);
        try (UpstreamResponse res = client.send(req)) {
            res.readAll(); // drain so the pooled connection can be reused
            if (res.status() / 100 != 2) {
                throw new IOException("OTLP endpoint answered status " + res.status());
            }
        }
    }
}
