package io.aisix.plugin.exporterhttplog;

import io.aisix.spi.Headers;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageEventJson;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** POSTs one NDJSON batch per call; a non-2xx answer throws so the caller retries the batch. */
final class HttpLogExporter implements Exporter {
    private final UpstreamClient client;
    private final String url;
    private final Headers headers;
    private final Duration timeout;

    HttpLogExporter(UpstreamClient client, String url, Headers headers, Duration timeout) {
        this.client = client;
        this.url = url;
        this.headers = headers;
        this.timeout = timeout;
    }

    @Override
    public void export(List<UsageEvent> batch) throws IOException {
        StringBuilder body = new StringBuilder(batch.size() * 400);
        for (UsageEvent e : batch) {
            body.append(UsageEventJson.toJson(e, true)).append('\n');
        }
        UpstreamRequest req = new UpstreamRequest("POST", url, headers, body.toString().getBytes(StandardCharsets.UTF_8),
                false, timeout, Optional.empty(), true);
        try (UpstreamResponse res = client.send(req)) {
            res.readAll(); // drain so the pooled connection can be reused
            if (res.status() / 100 != 2) {
                // the receiver's body is not echoed: it may quote our headers back
                throw new IOException("http_log endpoint answered status " + res.status());
            }
        }
    }
}
