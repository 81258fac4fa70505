package io.aisix.plugin.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One JSON access-log line per proxy request on the {@code aisix.access} logger. */
class AccessLogIT {
    @TempDir
    Path dir;
    ObserveHarness h;
    final Logger accessLogger = Logger.getLogger(AccessLog.LOGGER);
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        accessLogger.addHandler(capture);
    }

    @AfterEach
    void stop() {
        accessLogger.removeHandler(capture);
        if (h != null) {
            h.close();
        }
    }

    private JsonNode lineFor(String requestId) {
        ObserveHarness.await(() -> records.stream().anyMatch(r -> r.getMessage().contains(requestId)),
                "access log line of " + requestId);
        LogRecord r = records.stream().filter(x -> x.getMessage().contains(requestId)).findFirst().orElseThrow();
        assertEquals(Level.INFO, r.getLevel());
        assertFalse(r.getMessage().contains("\n"), "one line");
        return ObserveHarness.json(r.getMessage());
    }

    @Test
    void oneStructuredLinePerRequestWithoutSecretsOrPromptText() throws Exception {
        h = new ObserveHarness(dir, "");
        HttpResponse<String> r = h.chat("m1", true);
        assertEquals(200, r.statusCode());
        String requestId = r.headers().firstValue("x-aisix-request-id").orElseThrow();
        JsonNode line = lineFor(requestId);
        assertEquals(requestId, line.get("request_id").asText());
        assertEquals(h.keyId, line.get("key_id").asText());
        assertEquals("m1", line.get("alias").asText());
        assertEquals("obs-test", line.get("provider").asText());
        assertEquals("up-1", line.get("upstream_model").asText());
        assertEquals("/v1/chat/completions", line.get("route").asText());
        assertEquals(200, line.get("status").asInt());
        assertTrue(line.get("latency_ms").canConvertToLong() && line.get("latency_ms").asLong() >= 0);
        assertTrue(line.get("ttft_ms").isIntegralNumber(), line.toString());
        assertTrue(line.get("ttft_ms").asLong() <= line.get("latency_ms").asLong(), line.toString());
        assertEquals(7, line.get("prompt_tokens").asInt());
        assertEquals(3, line.get("completion_tokens").asInt());
        assertEquals(1, line.get("attempts").asInt());
        assertTrue(line.get("stream").asBoolean());
        assertTrue(line.get("error_code").isNull());
        assertTrue(line.has("cache_status") && line.has("guardrail_outcome"));
        assertFalse(line.has("prompt") || line.has("completion"));
        String raw = line.toString();
        assertFalse(raw.contains(ObserveHarness.CALLER_KEY), raw);
        assertFalse(raw.contains("pineapples"), raw);
        assertFalse(raw.contains("sk-upstream-secret"), raw);
        assertFalse(raw.contains("Hello there"), raw);
    }

    @Test
    void rejectsAreLoggedWithTheirErrorCode() throws Exception {
        h = new ObserveHarness(dir, "");
        HttpResponse<String> r = h.gw.send(HttpRequest.newBuilder(URI.create(h.gw.proxy("/v1/chat/completions")))
                .header("x-api-key", "wrong-key-123456")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m1\",\"messages\":[]}")));
        assertEquals(401, r.statusCode());
        JsonNode line = lineFor(r.headers().firstValue("x-aisix-request-id").orElseThrow());
        assertEquals(401, line.get("status").asInt());
        assertEquals("invalid_api_key", line.get("error_code").asText());
        assertTrue(line.get("key_id").isNull());
        assertEquals(0, line.get("attempts").asInt());
        assertFalse(line.toString().contains("wrong-key"));
    }

    @Test
    void switchedOffByLoggingAccessLog() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        HttpResponse<String> r = h.chat("m1", false);
        assertEquals(200, r.statusCode());
        h.metricsOnce(1, "aisix_requests_total", "model", "m1");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("aisix-access-log")),
                "no access-log writer runs");
        String id = r.headers().firstValue("x-aisix-request-id").orElseThrow();
        assertTrue(records.stream().noneMatch(x -> x.getMessage().contains(id)));
    }
}
