package io.aisix.plugin.observe;

import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageEventJson;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The access log: one JSON line per proxy request ({@link UsageEventJson} without prompt and
 * completion) at INFO on the JUL logger {@value #LOGGER}, so operators route it with the usual
 * logging configuration. Requests only enqueue; one background thread formats and logs, so a slow
 * log sink never slows a request. When the bounded queue is full the line is dropped and counted
 * in {@code aisix_access_log_dropped_total}.
 */
final class AccessLog {
    static final String LOGGER = "aisix.access";
    static final int CAPACITY = 8192;
    private static final Logger LOG = Logger.getLogger(LOGGER);
    private static final Logger SELF = Logger.getLogger(AccessLog.class.getName());

    private final BlockingQueue<UsageEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final GatewayMetrics metrics;
    private final Thread writer;
    private volatile boolean stopping;

    AccessLog(GatewayMetrics metrics) {
        this.metrics = metrics;
        this.writer = Thread.ofPlatform().daemon().name("aisix-access-log").unstarted(this::run);
        writer.start();
    }

    void offer(UsageEvent event) {
        if (stopping || !queue.offer(event)) {
            metrics.increment("aisix_access_log_dropped_total");
        }
    }

    private void run() {
        List<UsageEvent> batch = new ArrayList<>(256);
        while (true) {
            try {
                UsageEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (stopping && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 255);
                for (UsageEvent e : batch) {
                    write(e);
                }
                batch.clear();
            } catch (InterruptedException e) {
                stopping = true; // finish what is queued, then end
            }
        }
    }

    private static void write(UsageEvent e) {
        try {
            LOG.info(UsageEventJson.toJson(e, false));
        } catch (RuntimeException ex) {
            SELF.log(Level.FINE, "access log line could not be written", ex);
        }
    }

    /** Writes what is queued (bounded by {@code timeoutMillis}) and stops the writer. */
    void stop(long timeoutMillis) {
        stopping = true;
        try {
            writer.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
