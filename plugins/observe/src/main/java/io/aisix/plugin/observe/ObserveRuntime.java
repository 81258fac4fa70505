package io.aisix.plugin.observe;

import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageStats;
import java.time.Clock;
import java.util.Optional;

/** What the observe plugin runs per process: metrics, the access-log writer, the exporter hub, the statistics. */
final class ObserveRuntime {
    static final long STOP_TIMEOUT_MS = 10_000;

    final GatewayMetrics metrics;
    final Clock clock;
    final Optional<AccessLog> accessLog;
    final ExporterHub hub;
    /** The kernel's per-minute statistics (the console's plots); empty in unit tests without a kernel. */
    final Optional<UsageStats> stats;

    ObserveRuntime(PluginContext context) {
        this.metrics = context.metrics();
        this.clock = context.clock();
        boolean accessLogOn = context.config(ObserveConfig.class).accessLog();
        this.accessLog = accessLogOn ? Optional.of(new AccessLog(metrics)) : Optional.empty();
        this.hub = new ExporterHub(context);
        this.stats = context.service(UsageStats.class);
    }

    /** Declares the HELP texts of the metrics this plugin records. */
    static void describe(GatewayMetrics m) {
        m.describe("aisix_requests_total", "Proxy requests by route, model alias, provider and HTTP status");
        m.describe("aisix_request_duration_seconds", "Proxy request duration, to the end of the response or stream");
        m.describe("aisix_upstream_duration_seconds", "Upstream call duration per try, to the end of the answer");
        m.describe("aisix_upstream_attempts_total", "Upstream tries, failed ones included, by direct model, "
                + "provider and status");
        m.describe("aisix_time_to_first_token_seconds", "Time from request arrival to the first streamed event");
        m.describe("aisix_tokens_total", "Tokens reported by upstreams, by type (prompt, completion; cache_read and "
                + "cache_creation are parts of prompt)");
        m.describe("aisix_auth_failures_total", "Rejected caller authentications and authorisations, by reason");
        m.describe("aisix_exporter_events_total", "Usage events per exporter: exported, dropped (queue full) "
                + "or failed (export failed after retries)");
        m.describe("aisix_access_log_dropped_total", "Access-log lines dropped because the log queue was full");
        m.describe("aisix_cost_usd_total", "Spend in USD at the answering model's cost, by caller key, model alias "
                + "and provider");
        m.describe("aisix_cost_saved_usd_total", "USD cache hits saved at the first candidate's cost, by caller key, "
                + "model alias and provider");
    }

    /** Flushes exporters and the access log; bounded by {@link #STOP_TIMEOUT_MS}. */
    void stop() {
        long start = System.currentTimeMillis();
        hub.stop(STOP_TIMEOUT_MS);
        long left = Math.max(100, STOP_TIMEOUT_MS - (System.currentTimeMillis() - start));
        accessLog.ifPresent(a -> a.stop(left));
    }
}
