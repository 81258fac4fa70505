package io.aisix.kernel.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsoleLogHandlerTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream realErr;
    private ConsoleLogHandler handler;

    @BeforeEach
    void captureStandardError() {
        realErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        handler = new ConsoleLogHandler();
    }

    @AfterEach
    void restore() {
        System.setErr(realErr);
    }

    private static LogRecord record(String logger, Level level, String message, Instant at) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        r.setInstant(at);
        return r;
    }

    private String written() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withJsonFormatEachRecordIsOneJsonLine() {
        handler.setFormatter(new JsonLogFormatter());
        handler.publish(record("x", Level.INFO, "two\nlines", Instant.parse("2026-11-26T14:04:05Z")));
        assertEquals("{\"timestamp\":\"2026-11-26T14:04:05.000Z\",\"level\":\"INFO\",\"logger\":\"x\","
                + "\"message\":\"two\\nlines\"}" + System.lineSeparator(), written());
    }

    @Test
    void aLineHasTheUtcTimeWithMillisecondsTheLevelTheLoggerAndTheMessage() {
        handler.publish(record("io.aisix.kernel.Gateway", Level.WARNING, "store unreachable",
                Instant.parse("2026-11-26T14:04:05Z")));
        assertEquals("2026-11-26T14:04:05.000Z WARNING io.aisix.kernel.Gateway: store unreachable"
                + System.lineSeparator(), written());
    }

    @Test
    void anExceptionFollowsOnTheNextLines() {
        LogRecord r = record("x", Level.SEVERE, "failed", Instant.parse("2026-11-26T14:04:05.322Z"));
        r.setThrown(new IllegalStateException("boom"));
        handler.publish(r);
        String[] lines = written().split(System.lineSeparator());
        assertEquals("2026-11-26T14:04:05.322Z SEVERE x: failed", lines[0]);
        assertEquals("java.lang.IllegalStateException: boom", lines[1]);
        assertTrue(lines[2].trim().startsWith("at "), lines[2]);
    }

    @Test
    void nonAsciiTextIsWrittenAsUtf8AndParametersAreSubstituted() {
        Instant t = Instant.parse("2026-11-26T14:04:05.322Z");
        handler.publish(record("x", Level.INFO, "caf\u00e9 \u4e2d \ud83d\ude00 done", t));
        LogRecord withParameter = record("x", Level.INFO, "alias {0} loaded", t);
        withParameter.setParameters(new Object[] {"gpt"});
        handler.publish(withParameter);
        assertEquals("2026-11-26T14:04:05.322Z INFO x: caf\u00e9 \u4e2d \ud83d\ude00 done" + System.lineSeparator()
                + "2026-11-26T14:04:05.322Z INFO x: alias gpt loaded" + System.lineSeparator(), written());
    }

    @Test
    void aRecordBelowTheHandlersLevelIsNotWritten() {
        handler.setLevel(Level.WARNING);
        handler.publish(record("x", Level.INFO, "quiet", Instant.parse("2026-11-26T14:04:05Z")));
        handler.flush();
        assertEquals("", written());
    }

    @Test
    void accessLogLinesWaitForTheBatchFlushOtherLinesDoNot() {
        Instant t = Instant.parse("2026-11-26T14:04:05.322Z");
        handler.publish(record(ConsoleLogHandler.ACCESS_LOGGER, Level.INFO, "{\"status\":200}", t));
        handler.publish(record(ConsoleLogHandler.ACCESS_LOGGER, Level.INFO, "{\"status\":201}", t));
        assertEquals("", written(), "held until the access log's writer flushes");
        handler.flush();
        assertEquals(2, written().lines().count());
        handler.publish(record("io.aisix.kernel.Main", Level.INFO, "started", t));
        assertEquals(3, written().lines().count(), "everything else is written at once");
    }

    /** What {@link ConsoleLogHandler#publish} writes for the access log's record of {@code message} at {@code t}. */
    private String viaRecord(String message, Instant t) {
        ConsoleLogHandler other = new ConsoleLogHandler();
        other.setFormatter(handler.getFormatter());
        other.publish(record(ConsoleLogHandler.ACCESS_LOGGER, Level.INFO, message, t));
        other.flush();
        String s = written();
        err.reset();
        return s;
    }

    private String viaAccessLine(String message, Instant t) {
        assertTrue(handler.publishAccessLine(new StringBuilder(message), t.toEpochMilli()));
        handler.flush();
        String s = written();
        err.reset();
        return s;
    }

    @Test
    void anAccessLineWithoutARecordIsTheRecordsBytesInBothFormats() {
        Instant t = Instant.parse("2026-11-26T14:04:05.322Z");
        java.util.List<String> messages = java.util.List.of("{\"time\":\"x\",\"status\":200,\"alias\":null}",
                "{\"route\":\"caf\u00e9 \u4e2d \ud83d\ude00\",\"lone\":\"\ud83d\",\"n\":1}", "{}", "{ \t}",
                " {\"a\":1} ", "{ \"a\":1\t}", "not an object", "{\"a\":\"b\nc\"}", "");
        for (java.util.logging.Formatter f : java.util.List.of(new LogLineFormatter(), new JsonLogFormatter())) {
            handler.setFormatter(f);
            for (String m : messages) {
                String expected = viaRecord(m, t);
                boolean json = f instanceof JsonLogFormatter;
                if (json && !JsonLogFormatter.isObject(m)) {
                    assertEquals(false, handler.publishAccessLine(new StringBuilder(m), t.toEpochMilli()),
                            "a message that is not a one-line object is left to the record: " + m);
                    handler.flush();
                    assertEquals("", written());
                    continue;
                }
                assertEquals(expected, viaAccessLine(m, t), f.getClass().getSimpleName() + ": " + m);
                assertEquals(expected, viaAccessLine(m, t), "again, with the millisecond's head kept");
            }
        }
        handler.setFormatter(new LogLineFormatter());
        String before = viaRecord("{}", t);
        assertEquals(before.replace("05.322Z", "05.323Z"), viaAccessLine("{}", t.plusMillis(1)), "a new millisecond");
    }

    @Test
    void anAccessLineIsLeftToTheRecordWhenTheHandlerIsNotPlain() {
        StringBuilder line = new StringBuilder("{\"status\":200}");
        handler.setLevel(Level.WARNING);
        assertEquals(false, handler.publishAccessLine(line));
        handler.setLevel(Level.ALL);
        handler.setFilter(r -> true);
        assertEquals(false, handler.publishAccessLine(line));
        handler.setFilter(null);
        handler.setFormatter(new java.util.logging.SimpleFormatter());
        assertEquals(false, handler.publishAccessLine(line));
        handler.flush();
        assertEquals("", written());
        handler.setFormatter(new LogLineFormatter());
        assertTrue(handler.publishAccessLine(line));
        assertEquals("", written(), "held until the access log's writer flushes, like its records");
        handler.flush();
        assertTrue(written().endsWith(" INFO aisix.access: {\"status\":200}" + System.lineSeparator()), written());
    }
}
