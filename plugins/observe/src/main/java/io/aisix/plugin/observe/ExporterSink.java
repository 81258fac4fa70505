package io.aisix.plugin.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.resource.ExporterResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * One running exporter resource: a bounded queue fed by requests and one background thread that
 * sends batches of at most {@code batch_size} events, at the latest {@code flush_interval_ms}
 * after the first event of a batch arrived.
 *
 * <p>Requests never wait: {@link #offer} is a non-blocking enqueue, and a full queue drops the
 * event ({@code outcome="dropped"}). A failed batch is retried with backoff ({@link #ATTEMPTS}
 * tries, 250 ms doubling, plus jitter) and then given up ({@code outcome="failed"}); delivered
 * events count as {@code outcome="exported"}, all in {@code aisix_exporter_events_total}.
 * {@link #retire} lets the thread flush what is queued (retries cut short after
 * {@link #FLUSH_BUDGET_MS}), close the exporter and end, without blocking the caller.
 */
final class ExporterSink {
    static final String EVENTS = "aisix_exporter_events_total";
    static final int ATTEMPTS = 3;
    static final long FLUSH_BUDGET_MS = 5_000;
    /** How often a batch being filled looks at the queue again (a full batch waits at most this). */
    static final long FILL_TICK_NANOS = 10_000_000L;
    static final int DEFAULT_CONTENT_MAX_BYTES = 131_072;
    private static final Logger LOG = Logger.getLogger(ExporterSink.class.getName());
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    final ExporterResource resource;
    private final Exporter exporter;
    private final GatewayMetrics metrics;
    private final BlockingQueue<UsageEvent> queue;
    private final boolean content;
    private final int contentMaxBytes;
    private final Thread worker;
    private volatile boolean stopping;
    private volatile boolean closed;
    private volatile long stopDeadline;
    private long lastWarn;

    ExporterSink(ExporterResource resource, Exporter exporter, GatewayMetrics metrics) {
        this.resource = resource;
        this.exporter = exporter;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(queueCapacity(resource.batchSize()));
        this.content = "full".equals(resource.contentMode());
        this.contentMaxBytes = contentMaxBytes(resource.spec());
        this.worker = Thread.ofPlatform().daemon().name("aisix-exporter-" + resource.name()).unstarted(this::run);
    }

    /** Room for a few batches, at least 1024 events and at most 100k. */
    static int queueCapacity(int batchSize) {
        return (int) Math.min(100_000, Math.max(1024, batchSize * 10L));
    }

    private static int contentMaxBytes(JsonNode spec) {
        JsonNode n = spec == null ? null : spec.get("content_max_bytes");
        return n != null && n.isIntegralNumber() && n.intValue() > 0 ? n.intValue() : DEFAULT_CONTENT_MAX_BYTES;
    }

    String name() {
        return resource.name();
    }

    boolean wantsContent() {
        return content;
    }

    int contentMaxBytes() {
        return contentMaxBytes;
    }

    void start() {
        worker.start();
    }

    /**
     * Whether this request is exported, decided from its id so every exporter with the same rate,
     * every gateway instance and every retry agree.
     */
    boolean sampled(String requestId) {
        double rate = resource.sampleRate();
        if (rate >= 1) {
            return true;
        }
        if (rate <= 0) {
            return false;
        }
        return unit(requestId) < rate;
    }

    /** A stable value in [0, 1) from FNV-1a over the id, finalised with a 64-bit mix. */
    static double unit(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }

    /** Enqueues without waiting; counts a drop when the queue is full or the sink has stopped. */
    void offer(UsageEvent event) {
        UsageEvent e = content ? truncated(event) : event.withoutContent();
        if (closed || !queue.offer(e)) {
            metrics.increment(EVENTS, "exporter", resource.name(), "outcome", "dropped");
        }
    }

    private UsageEvent truncated(UsageEvent e) {
        Optional<String> p = e.prompt().map(s -> Text.truncateUtf8(s, contentMaxBytes));
        Optional<String> c = e.completion().map(s -> Text.truncateUtf8(s, contentMaxBytes));
        if (p.equals(e.prompt()) && c.equals(e.completion())) {
            return e;
        }
        return new UsageEvent(e.requestId(), e.start(), e.durationNanos(), e.timeToFirstTokenNanos(), e.route(),
                e.keyId(), e.alias(), e.provider(), e.upstreamModel(), e.status(), e.errorCode(), e.promptTokens(),
                e.completionTokens(), e.cacheReadTokens(), e.cacheCreationTokens(), e.cacheStatus(), e.guardrailOutcome(), e.attempts(), e.streamed(),
                e.upstreamAttempts(), p, c, e.cut(), e.spend());
    }

    /** Asks the thread to flush and end; returns at once. */
    void retire() {
        if (!stopping) {
            stopDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_BUDGET_MS);
            stopping = true;
        }
    }

    boolean alive() {
        return worker.isAlive();
    }

    /** Waits for the thread to end (shutdown). */
    void await(long millis) throws InterruptedException {
        worker.join(Math.max(1, millis));
    }

    private void run() {
        int batchSize = Math.max(1, resource.batchSize());
        long flushNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, resource.flushIntervalMs()));
        List<UsageEvent> batch = new ArrayList<>(Math.min(batchSize, 1024));
        try {
            while (true) {
                UsageEvent first = poll(100_000_000L);
                if (first == null) {
                    if (stopping) {
                        break;
                    }
                    continue;
                }
                batch.add(first);
                long flushAt = System.nanoTime() + flushNanos;
                while (batch.size() < batchSize) {
                    queue.drainTo(batch, batchSize - batch.size());
                    long wait = flushAt - System.nanoTime();
                    if (batch.size() >= batchSize || wait <= 0 || stopping) {
                        break;
                    }
                    // A nap, not a blocking poll: a thread blocked on the queue is woken by every
                    // offer (a futex call on the request's thread per event); napping, the sender
                    // is woken once per batch and picks the rest up with drainTo.
                    LockSupport.parkNanos(Math.min(wait, FILL_TICK_NANOS));
                    if (Thread.interrupted()) {
                        retire();
                    }
                }
                send(batch);
                batch.clear();
            }
        } finally {
            closed = true;
            queue.drainTo(batch);
            for (int i = 0; i < batch.size(); i += batchSize) {
                send(batch.subList(i, Math.min(batch.size(), i + batchSize)));
            }
            try {
                exporter.close();
            } catch (RuntimeException e) {
                LOG.warning("exporter " + resource.name() + " failed to close: " + e.getClass().getSimpleName());
            }
        }
    }

    private UsageEvent poll(long nanos) {
        try {
            return queue.poll(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            retire();
            return null;
        }
    }

    private void send(List<UsageEvent> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Exception last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (attempt > 0 && !sleep(backoffMillis(attempt))) {
                break;
            }
            try {
                exporter.export(List.copyOf(batch));
                metrics.add(EVENTS, batch.size(), "exporter", resource.name(), "outcome", "exported");
                return;
            } catch (Exception e) {
                last = e;
            }
        }
        metrics.add(EVENTS, batch.size(), "exporter", resource.name(), "outcome", "failed");
        long now = System.nanoTime();
        if (lastWarn == 0 || now - lastWarn > WARN_EVERY_NANOS) {
            lastWarn = now;
            // class and message only: exporters never put headers or bodies in their messages
            LOG.warning("exporter " + resource.name() + " (" + resource.kind() + ") dropped a batch of " + batch.size()
                    + " events after " + ATTEMPTS + " tries: " + (last == null ? "shutting down"
                    : last.getClass().getSimpleName() + ": " + last.getMessage()));
        }
    }

    private static long backoffMillis(int attempt) {
        return (250L << (attempt - 1)) + ThreadLocalRandom.current().nextLong(100);
    }

    /** Sleeps unless that would pass the flush budget of a retiring sink; false when it gave up. */
    private boolean sleep(long millis) {
        if (stopping && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis) > stopDeadline) {
            return false;
        }
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            retire();
            return false;
        }
    }
}
