package io.aisix.plugin.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.observe.UsageEvent;
import io.aisix.testkit.TestMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    static UsageEvent event(String id) {
        return new UsageEvent(id, Instant.now(), 1_000_000, Optional.empty(), "/v1/chat/completions", "", "m", "", "",
                200, "", 0, 0, "", "", 0, false, List.of(), Optional.empty(), Optional.empty());
    }

    @Test
    void aStuckLogSinkDropsAndCountsInsteadOfBlockingRequests() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Logger logger = Logger.getLogger(AccessLog.LOGGER);
        Handler stuck = new Handler() {
            @Override
            public void publish(LogRecord record) {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(stuck);
        boolean parents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        TestMetrics metrics = new TestMetrics();
        AccessLog log = new AccessLog(metrics);
        try {
            log.offer(event("first"));
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            for (int i = 0; i < AccessLog.CAPACITY + 10; i++) {
                log.offer(event("e" + i));
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "offers never wait");
            assertEquals(10, metrics.counter("aisix_access_log_dropped_total"));
        } finally {
            release.countDown();
            log.stop(10_000);
            logger.removeHandler(stuck);
            logger.setUseParentHandlers(parents);
        }
    }

    @Test
    void theWriterFlushesTheHandlersAfterEachBatchOfLines() throws Exception {
        Logger logger = Logger.getLogger(AccessLog.LOGGER);
        java.util.List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<Integer> publishedAtFlush = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler buffering = new Handler() {
            @Override
            public void publish(LogRecord record) {
                published.add(record.getMessage());
            }

            @Override
            public void flush() {
                publishedAtFlush.add(published.size());
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(buffering);
        boolean parents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        AccessLog log = new AccessLog(new TestMetrics());
        try {
            for (int i = 0; i < 300; i++) {
                log.offer(event("e" + i));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (publishedAtFlush.isEmpty() || publishedAtFlush.get(publishedAtFlush.size() - 1) < 300) {
                assertTrue(System.nanoTime() < deadline, "every line published, then a flush");
                Thread.sleep(10);
            }
            assertTrue(publishedAtFlush.size() < 300, "flushed per batch, not per line: " + publishedAtFlush.size());
        } finally {
            log.stop(10_000);
            logger.removeHandler(buffering);
            logger.setUseParentHandlers(parents);
        }
    }

    @Test
    void aWriterThatDozedForLackOfRequestsWakesForTheNextLineAndStops() throws Exception {
        Logger logger = Logger.getLogger(AccessLog.LOGGER);
        List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler recording = new Handler() {
            @Override
            public void publish(LogRecord record) {
                published.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(recording);
        boolean parents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        AccessLog log = new AccessLog(new TestMetrics());
        try {
            log.offer(event("before"));
            awaitTrue(() -> published.size() == 1 && log.dozing(), "the writer of an idle gateway dozes");
            log.offer(event("after"));
            awaitTrue(() -> published.size() == 2, "the line after the doze is written");
            assertTrue(published.get(1).contains("\"after\""), published.get(1));
            awaitTrue(log::dozing, "it dozes again");
        } finally {
            log.stop(10_000);
            logger.removeHandler(recording);
            logger.setUseParentHandlers(parents);
        }
        assertTrue(log.stopped(), "a dozing writer ends on stop");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }
}
