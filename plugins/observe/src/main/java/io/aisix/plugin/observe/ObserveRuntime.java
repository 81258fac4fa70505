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
        boolean accessLogOn = !context.setting("logging.access_log").map(String::trim).orElse("true")
                .equalsIgnoreCase("false");
        this.accessLog = accessLogOn ? Optional.of(new AccessLog(metrics)) : Optional.empty();
        this.hub = new ExporterHub(context);
        this.stats = context.service(UsageStats.class);
    }

    /** Flushes exporters and the access log; bounded by {@link #STOP_TIMEOUT_MS}. */
    void stop() {
        long start = System.currentTimeMillis();
        hub.stop(STOP_TIMEOUT_MS);
        long left = Math.max(100, STOP_TIMEOUT_MS - (System.currentTimeMillis() - start));
        accessLog.ifPresent(a -> a.stop(left));
    }
}
