package io.aisix.kernel.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLogFormatterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonLogFormatter formatter = new JsonLogFormatter();
    private final StringBuilder written = new StringBuilder();

    @AfterEach
    void leaveNoRequest() {
        LogContext.clear();
    }

    private void publish(LogRecord r) {
        written.append(formatter.format(r));
    }

    private static LogRecord record(String logger, Level level, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        r.setInstant(Instant.parse("2026-11-26T14:04:05.322Z"));
        return r;
    }

    /** Every line written so far, each parsed as one JSON object. */
    private List<JsonNode> lines() throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : written.toString().split(System.lineSeparator())) {
            JsonNode n = JSON.readTree(line);
            assertTrue(n.isObject(), line);
            out.add(n);
        }
        return out;
    }

    @Test
    void aRecordIsOneObjectWithTimestampLevelLoggerAndMessage() throws Exception {
        publish(record("io.aisix.kernel.Gateway", Level.WARNING, "store unreachable"));
        JsonNode line = lines().getFirst();
        assertEquals("2026-11-26T14:04:05.322Z", line.get("timestamp").asText());
        assertEquals("WARNING", line.get("level").asText());
        assertEquals("io.aisix.kernel.Gateway", line.get("logger").asText());
        assertEquals("store unreachable", line.get("message").asText());
        assertFalse(line.has("request_id"), "no request is being served");
        assertFalse(line.has("exception"));
    }

    @Test
    void quotesBackslashesLineBreaksAndControlCharactersStayInsideOneLine() throws Exception {
        String nasty = "say \"hi\"\nC:\\path\r\n\ttab \u0001 \u2028 end}";
        publish(record("x", Level.INFO, nasty));
        publish(record("y", Level.INFO, "second"));
        List<JsonNode> lines = lines();
        assertEquals(2, lines.size());
        assertEquals(nasty, lines.get(0).get("message").asText());
    }

    @Test
    void parametersAreSubstituted() throws Exception {
        LogRecord r = record("x", Level.INFO, "{0} of {1}");
        r.setParameters(new Object[] {"one", 2});
        publish(r);
        assertEquals("one of 2", lines().getFirst().get("message").asText());
    }

    @Test
    void anExceptionIsOneStringFieldWithTheStackTrace() throws Exception {
        LogRecord r = record("x", Level.SEVERE, "failed");
        r.setThrown(new IllegalStateException("boom \"quoted\"\nsecond line"));
        publish(r);
        List<JsonNode> lines = lines();
        assertEquals(1, lines.size());
        String trace = lines.getFirst().get("exception").asText();
        assertTrue(trace.startsWith("java.lang.IllegalStateException: boom \"quoted\"\nsecond line\n\tat "), trace);
    }

    @Test
    void linesLoggedWhileServingARequestCarryItsCurrentId() throws Exception {
        String[] id = {"first-id"};
        LogContext.enter(() -> id[0]);
        publish(record("io.aisix.plugin.cache.CacheFilter", Level.WARNING, "redis slow"));
        id[0] = "replaced-by-request-id-plugin";
        publish(record("x", Level.INFO, "later"));
        LogContext.clear();
        publish(record("x", Level.INFO, "after"));
        List<JsonNode> lines = lines();
        assertEquals("first-id", lines.get(0).get("request_id").asText());
        assertEquals("replaced-by-request-id-plugin", lines.get(1).get("request_id").asText());
        assertFalse(lines.get(2).has("request_id"));
    }

    @Test
    void accessLogFieldsAreFieldsOfTheLineNotAString() throws Exception {
        publish(record(ConsoleLogHandler.ACCESS_LOGGER, Level.INFO,
                "{\"time\":\"2026-11-26T14:04:04.529Z\",\"request_id\":\"r-1\",\"status\":200,\"alias\":\"a\\\"b\","
                        + "\"upstream_attempts\":[{\"index\":1}]}"));
        JsonNode line = lines().getFirst();
        assertEquals(ConsoleLogHandler.ACCESS_LOGGER, line.get("logger").asText());
        assertEquals("INFO", line.get("level").asText());
        assertEquals(200, line.get("status").asInt());
        assertEquals("r-1", line.get("request_id").asText());
        assertEquals("a\"b", line.get("alias").asText());
        assertEquals(1, line.get("upstream_attempts").get(0).get("index").asInt());
        assertFalse(line.has("message"));
    }

    @Test
    void anAccessLogMessageThatIsNotAnObjectIsAnOrdinaryMessage() throws Exception {
        publish(record(ConsoleLogHandler.ACCESS_LOGGER, Level.INFO, "{not\njson}"));
        assertEquals("{not\njson}", lines().getFirst().get("message").asText());
    }

    @Test
    void jsonFormatReachesEveryConfiguredHandlerAndTextLeavesThemAlone() {
        Logger logger = Logger.getLogger("io.aisix.test.json-format");
        Handler extra = new java.util.logging.StreamHandler(new ByteArrayOutputStream(),
                new java.util.logging.SimpleFormatter());
        logger.addHandler(extra);
        Handler[] root = Logger.getLogger("").getHandlers();
        java.util.logging.Formatter[] before = java.util.Arrays.stream(root).map(Handler::getFormatter)
                .toArray(java.util.logging.Formatter[]::new);
        try {
            LogFormat.apply("text");
            assertTrue(extra.getFormatter() instanceof java.util.logging.SimpleFormatter);
            LogFormat.apply("json");
            assertTrue(extra.getFormatter() instanceof JsonLogFormatter);
        } finally {
            logger.removeHandler(extra);
            for (int i = 0; i < root.length; i++) {
                if (before[i] != null) { // a handler may have none (Handler.setFormatter refuses null)
                    root[i].setFormatter(before[i]); // the rest of this JVM's tests log as before
                }
            }
        }
    }

    @Test
    void loggersTheConfigurationGivesHandlersAreReadFromItsFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("logging.properties"), """
                handlers=io.aisix.kernel.logging.ConsoleLogHandler
                .level=INFO
                aisix.access.handlers=java.util.logging.FileHandler
                aisix.access.useParentHandlers=false
                io.helidon.level=WARNING
                """);
        assertEquals(List.of("aisix.access"), LogFormat.configuredLoggers(file.toString()));
        assertEquals(List.of(), LogFormat.configuredLoggers(dir.resolve("absent").toString()));
        assertEquals(List.of(), LogFormat.configuredLoggers(null));
    }
}
