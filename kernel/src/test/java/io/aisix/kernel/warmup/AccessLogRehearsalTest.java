package io.aisix.kernel.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.aisix.kernel.logging.LogLineFormatter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.support.observe.UsageEventJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The warm-up's statistics format each request's access-log line with the gateway's formatters and write none. */
class AccessLogRehearsalTest {
    /** A handler that counts what reaches it: nothing may. */
    private static final class Counting extends Handler {
        final AtomicInteger published = new AtomicInteger();
        final AtomicInteger flushed = new AtomicInteger();

        Counting(Formatter f) {
            setFormatter(f);
        }

        @Override
        public void publish(LogRecord record) {
            published.incrementAndGet();
        }

        @Override
        public void flush() {
            flushed.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }

    private static UsageEvent event() {
        return new UsageEvent("r", Instant.parse("2026-01-01T00:00:00Z"), 1_000_000, Optional.of(500_000L),
                "/v1/chat/completions", "k", "m", "openai", "gpt", 200, "", 10, 5, 0, 0, "miss", "pass", 1, true,
                List.of(), Optional.empty(), Optional.empty(), false, null);
    }

    @Test
    void formatsWithTheGatewaysFormattersAndPublishesNothing() {
        Logger parent = Logger.getLogger("aisix.test.rehearsal");
        Logger access = Logger.getLogger("aisix.test.rehearsal.access");
        AtomicInteger foreign = new AtomicInteger();
        Counting ours = new Counting(new LogLineFormatter());
        Counting theirs = new Counting(new Formatter() { // an operator's formatter: never asked
            @Override
            public String format(LogRecord record) {
                foreign.incrementAndGet();
                return "";
            }
        });
        Counting above = new Counting(new LogLineFormatter());
        parent.setUseParentHandlers(false); // the root's handlers are not part of this test
        access.addHandler(ours);
        access.addHandler(theirs);
        parent.addHandler(above);
        List<UsageEvent> recorded = new ArrayList<>();
        try {
            AccessLogRehearsal r = new AccessLogRehearsal(recorded::add,
                    AccessLogRehearsal.accessLogJson(AccessLogRehearsalTest.class.getClassLoader()), access);
            UsageEvent e = event();
            r.record(e);
            r.record(e);
            assertEquals(2, recorded.size(), "the shadow's own statistics get every event");
            assertSame(e, recorded.get(0));
            assertEquals(4, r.formatted(), "both of the gateway's formatters, on this logger and its parent, twice");
            assertEquals(0, foreign.get(), "another formatter is not asked");
            for (Counting h : List.of(ours, theirs, above)) {
                assertEquals(0, h.published.get(), "nothing published");
                assertEquals(0, h.flushed.get(), "nothing flushed");
            }
            access.setUseParentHandlers(false);
            r.record(e);
            assertEquals(5, r.formatted(), "the parent's handlers only when records reach them");
            access.setLevel(java.util.logging.Level.WARNING);
            r.record(e);
            assertEquals(5, r.formatted(), "an access log switched off by level formats nothing");
        } finally {
            access.removeHandler(ours);
            access.removeHandler(theirs);
            parent.removeHandler(above);
            access.setUseParentHandlers(true);
            access.setLevel(null);
            parent.setUseParentHandlers(true);
        }
    }

    @Test
    void theAccessLogsJsonIsTheCopyOfTheGivenClassLoader() throws Exception {
        java.net.URL support = UsageEventJson.class.getProtectionDomain().getCodeSource().getLocation();
        List<UsageEvent> recorded = new ArrayList<>();
        // a loader of its own over the support library, sharing the SPI like a plugin folder's
        try (var loader = new io.aisix.kernel.plugin.PluginClassLoader("test", new java.net.URL[] {support},
                AccessLogRehearsalTest.class.getClassLoader())) {
            Class<?> own = Class.forName(UsageEventJson.class.getName(), true, loader);
            assertNotSame(UsageEventJson.class, own, "the test needs a second copy");
            StringBuilder line = new StringBuilder();
            AccessLogRehearsal.accessLogJson(loader).accept(event(), line);
            assertEquals(UsageEventJson.toJson(event(), false), line.toString(), "the same line, by that copy");
        }
        StringBuilder fallback = new StringBuilder();
        AccessLogRehearsal.accessLogJson(new ClassLoader(null) { }).accept(event(), fallback);
        assertEquals(UsageEventJson.toJson(event(), false), fallback.toString(), "the kernel's when it has none");
    }
}
