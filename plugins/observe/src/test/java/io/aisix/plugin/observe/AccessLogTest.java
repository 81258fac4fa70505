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

    /** An event with text that needs escaping and non-ASCII text, as a line can carry them. */
    private static UsageEvent oddEvent(String id) {
        return new UsageEvent(id, Instant.parse("2026-11-26T14:04:05.322Z"), 812_000_000L, Optional.of(95_000_000L),
                "/v1/chat/completions", "k\"1\\", "caf\u00e9-\u4e2d-\ud83d\ude00", "openai", "gpt\n4o", 200, "", 12, 40,
                0, 0, "miss", "pass", 1, true, List.of(), Optional.empty(), Optional.empty());
    }

    /**
     * The shipped set-up, the console handler the only one the lines reach, takes them without
     * records, and they are the records' lines byte for byte (time aside), in text and in JSON; a
     * further handler (an operator's file for the access log) or a filter on the logger brings the
     * records back, and the file gets every line.
     */
    @Test
    void theConsoleHandlerAloneTakesLinesWithoutRecordsAndTheyAreTheRecordsLines(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        Logger logger = Logger.getLogger(AccessLog.LOGGER);
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        io.aisix.kernel.logging.ConsoleLogHandler console;
        try {
            console = new io.aisix.kernel.logging.ConsoleLogHandler();
        } finally {
            System.setErr(realErr);
        }
        boolean parents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(console);
        java.util.logging.FileHandler file = null;
        AccessLog log = new AccessLog(new TestMetrics());
        try {
            assertTrue(AccessLog.fastPath(), "the console handler alone: no records");
            for (java.util.logging.Formatter f : List.of(new io.aisix.kernel.logging.LogLineFormatter(),
                    new io.aisix.kernel.logging.JsonLogFormatter())) {
                console.setFormatter(f);
                err.reset();
                UsageEvent plain = event("p-" + f.getClass().getSimpleName());
                UsageEvent odd = oddEvent("o-" + f.getClass().getSimpleName());
                log.offer(plain);
                log.offer(odd);
                awaitTrue(() -> err.toString(java.nio.charset.StandardCharsets.UTF_8).lines().count() == 2,
                        "two lines");
                String[] got = err.toString(java.nio.charset.StandardCharsets.UTF_8).split(System.lineSeparator());
                assertEquals(withoutTime(record(f, plain)), withoutTime(got[0]));
                assertEquals(withoutTime(record(f, odd)), withoutTime(got[1]));
                assertTrue(err.toString(java.nio.charset.StandardCharsets.UTF_8).endsWith(System.lineSeparator()));
            }
            console.setFormatter(new io.aisix.kernel.logging.LogLineFormatter());

            logger.setFilter(r -> true);
            assertTrue(!AccessLog.fastPath(), "a filter on the logger: records");
            logger.setFilter(null);

            file = new java.util.logging.FileHandler(dir.resolve("access.log").toString());
            file.setFormatter(new java.util.logging.Formatter() {
                @Override
                public String format(LogRecord r) {
                    return r.getLoggerName() + " " + r.getLevel() + " " + r.getMessage() + "\n";
                }
            });
            logger.addHandler(file);
            assertTrue(!AccessLog.fastPath(), "a further handler: records for both");
            err.reset();
            UsageEvent e = oddEvent("with-file");
            log.offer(e);
            awaitTrue(() -> err.toString(java.nio.charset.StandardCharsets.UTF_8).lines().count() == 1, "console line");
            java.util.logging.FileHandler f = file;
            awaitTrue(() -> {
                f.flush();
                try {
                    return java.nio.file.Files.readString(dir.resolve("access.log")).lines().count() == 1;
                } catch (java.io.IOException ex) {
                    return false;
                }
            }, "the file's line");
            assertEquals("aisix.access INFO " + io.aisix.support.observe.UsageEventJson.toJson(e, false),
                    java.nio.file.Files.readString(dir.resolve("access.log")).strip());
            assertEquals(withoutTime(record(new io.aisix.kernel.logging.LogLineFormatter(), e)),
                    withoutTime(err.toString(java.nio.charset.StandardCharsets.UTF_8).strip()));
        } finally {
            log.stop(10_000);
            logger.removeHandler(console);
            if (file != null) {
                logger.removeHandler(file);
                file.close();
            }
            logger.setFilter(null);
            logger.setUseParentHandlers(parents);
        }
    }

    /** The line the formatter makes of the access log's record of {@code e}, without its line separator. */
    private static String record(java.util.logging.Formatter f, UsageEvent e) {
        LogRecord r = new LogRecord(java.util.logging.Level.INFO, io.aisix.support.observe.UsageEventJson.toJson(e, false));
        r.setLoggerName(AccessLog.LOGGER);
        return f.format(r).stripTrailing();
    }

    /** The line without its time (text: the first field; JSON: the timestamp's value). */
    private static String withoutTime(String line) {
        return line.replaceFirst("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ", "TIME ")
                .replaceFirst("^\\{\"timestamp\":\"[^\"]+\"", "{\"timestamp\":TIME");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }
}
