package io.aisix.kernel.metrics;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET <metrics.path>}: the Prometheus text of {@link KernelMetrics}, unauthenticated.
 * Registered on the admin listener, or on the dedicated metrics listener when {@code metrics.addr}
 * is set; never on the proxy listener.
 */
public final class MetricsEndpoint implements HttpService {
    private final KernelMetrics metrics;
    private final String path;

    public MetricsEndpoint(KernelMetrics metrics, String path) {
        this.metrics = metrics;
        this.path = path;
    }

    /**
     * Refuses a {@code metrics.path} that is not absolute or that another route of the listeners
     * it shares owns: {@code /admin/*}, the probes, the status endpoints ({@code reserved}).
     */
    public static void checkPath(String path, java.util.List<String> reserved) {
        if (!path.startsWith("/") || path.startsWith("/admin/") || reserved.contains(path)) {
            throw new io.aisix.kernel.config.ConfigException("metrics.path",
                    "must be an absolute path outside /admin/, the probes and /status/*");
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(path, (req, res) -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            res.header(HeaderNames.CONTENT_TYPE, KernelMetrics.CONTENT_TYPE);
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            res.send(body);
        });
    }
}
