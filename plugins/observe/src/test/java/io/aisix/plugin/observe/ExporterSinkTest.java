package io.aisix.plugin.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.testkit.TestMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ExporterSinkTest {
    final TestMetrics metrics = new TestMetrics();

    static ExporterResource resource(int batchSize, long flushMs, double sample, String content) {
        return new ExporterResource("id", "t", true, "test", Optional.empty(), Optional.empty(), Map.of(), sample,
                content, batchSize, flushMs, JsonNodeFactory.instance.objectNode().put("content_max_bytes", 8));
    }

    static UsageEvent event(String id) {
        return new UsageEvent(id, Instant.now(), 1, Optional.empty(), "/v1/chat/completions", "", "m", "", "", 200, "",
                0, 0, "", "", 0, false, List.of(), Optional.of("a prompt that is long"), Optional.of("ok"));
    }

    private double count(String outcome) {
        return metrics.counter(ExporterSink.EVENTS, "exporter", "t", "outcome", outcome);
    }

    @Test
    void batchesBySizeAndFlushesOnRetire() throws Exception {
        List<List<UsageEvent>> batches = new CopyOnWriteArrayList<>();
        ExporterSink sink = new ExporterSink(resource(3, 60_000, 1, "metadata_only"), batches::add, metrics);
        sink.start();
        for (int i = 0; i < 7; i++) {
            sink.offer(event("e" + i));
        }
        ObserveHarness.await(() -> batches.size() >= 2, "two full batches");
        sink.retire();
        sink.await(10_000);
        assertEquals(List.of(3, 3, 1), batches.stream().map(List::size).toList());
        assertEquals(7, count("exported"));
        assertTrue(batches.get(0).get(0).prompt().isEmpty(), "metadata_only strips content");
    }

    @Test
    void contentIsCutToContentMaxBytes() throws Exception {
        List<UsageEvent> got = new CopyOnWriteArrayList<>();
        ExporterSink sink = new ExporterSink(resource(1, 10, 1, "full"), got::addAll, metrics);
        sink.start();
        sink.offer(event("x"));
        ObserveHarness.await(() -> !got.isEmpty(), "event exported");
        assertEquals("a prompt", got.get(0).prompt().orElseThrow());
        assertEquals("ok", got.get(0).completion().orElseThrow());
        sink.retire();
        sink.await(10_000);
    }

    @Test
    void failingBatchesAreRetriedThenCountedAsFailed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Exporter broken = batch -> {
            calls.incrementAndGet();
            throw new java.io.IOException("receiver down");
        };
        ExporterSink sink = new ExporterSink(resource(2, 60_000, 1, "metadata_only"), broken, metrics); // one batch
        sink.start();
        sink.offer(event("a"));
        sink.offer(event("b"));
        ObserveHarness.await(() -> count("failed") == 2, "batch given up");
        assertEquals(ExporterSink.ATTEMPTS, calls.get());
        sink.retire();
        sink.await(10_000);
    }

    @Test
    void aFullQueueDropsWithoutWaiting() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Exporter stuck = batch -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
        };
        ExporterSink sink = new ExporterSink(resource(1, 10, 1, "metadata_only"), stuck, metrics);
        sink.start();
        sink.offer(event("first"));
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        int capacity = ExporterSink.queueCapacity(1);
        for (int i = 0; i < capacity + 25; i++) {
            sink.offer(event("e" + i));
        }
        assertEquals(25, count("dropped"));
        release.countDown();
        sink.retire();
        sink.await(20_000);
    }

    @Test
    void samplingIsDeterministicPerRequestIdAndNearTheRate() {
        ExporterSink quarter = new ExporterSink(resource(1, 10, 0.25, "metadata_only"), b -> { }, metrics);
        int hits = 0;
        for (int i = 0; i < 20_000; i++) {
            String id = java.util.UUID.nameUUIDFromBytes(("r" + i).getBytes()).toString();
            boolean s = quarter.sampled(id);
            assertEquals(s, quarter.sampled(id));
            if (s) {
                hits++;
            }
        }
        assertTrue(hits > 4_400 && hits < 5_600, "hits " + hits);
    }
}
