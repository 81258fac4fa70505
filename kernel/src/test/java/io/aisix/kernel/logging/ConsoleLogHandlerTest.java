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
}
