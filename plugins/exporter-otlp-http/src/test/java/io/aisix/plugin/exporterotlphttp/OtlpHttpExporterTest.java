package io.aisix.plugin.exporterotlphttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.upstream.Http1UpstreamClient;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.TestPluginContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OtlpHttpExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    Http1UpstreamClient client;
    LoopbackHttpServer server;

    @BeforeEach
    void start() {
        client = new Http1UpstreamClient(new GatewayConfig.Upstream(2000L, 5000L, 5000L, 0));
        server = LoopbackHttpServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
        client.close();
    }

    private PluginContext context() {
        return new TestPluginContext().upstream(client);
    }

    private ExporterResource resource(String endpoint) {
        return new ExporterResource("id", "otel", true, "otlp_http", Optional.of(endpoint), Optional.empty(),
                Map.of("x-otlp-token", "tok-123"), 1.0, "full", 100, 1000, JsonNodeFactory.instance.objectNode());
    }

    static UsageEvent event(String id, int status, String error, Optional<String> prompt) {
        return new UsageEvent(id, Instant.ofEpochSecond(1_700_000_000, 5), 250_000_000, Optional.of(40_000_000L),
                "/v1/chat/completions", "key-1", "gpt-test", "openai", "gpt-4o-mini", status, error, 11, 7, "miss",
                "pass", 1, true, List.of(), prompt, prompt.map(p -> "an answer"));
    }

    private static Map<String, JsonNode> attrs(JsonNode span) {
        Map<String, JsonNode> out = new HashMap<>();
        span.get("attributes").forEach(a -> out.put(a.get("key").asText(), a.get("value")));
        return out;
    }

    @Test
    void postsGenAiSpansToTheTracesPath() throws Exception {
        String uuid = "6f1c1d5e-8a9b-4c3d-9e8f-0123456789ab";
        try (Exporter e = new OtlpHttpExporterKind().create(resource(server.url("/")), context())) {
            e.export(List.of(event(uuid, 200, "", Optional.of("[{\"role\":\"user\",\"content\":\"hi\"}]")),
                    event("custom-id", 502, "upstream_error", Optional.empty())));
        }
        List<RecordedRequest> posts = server.requests();
        assertEquals(List.of("/v1/traces"), posts.stream().map(RecordedRequest::path).toList());
        assertEquals("tok-123", posts.get(0).header("x-otlp-token").orElse("null"));
        JsonNode root = posts.get(0).json();
        JsonNode rs = root.get("resourceSpans").get(0);
        assertEquals("service.name", rs.at("/resource/attributes/0/key").asText());
        assertEquals("aisix-gateway", rs.at("/resource/attributes/0/value/stringValue").asText());
        JsonNode spans = rs.get("scopeSpans").get(0).get("spans");
        assertEquals(2, spans.size());

        JsonNode ok = spans.get(0);
        assertEquals("chat gpt-test", ok.get("name").asText());
        assertEquals("6f1c1d5e8a9b4c3d9e8f0123456789ab", ok.get("traceId").asText());
        assertTrue(ok.get("spanId").asText().matches("[0-9a-f]{16}"));
        assertEquals(3, ok.get("kind").asInt());
        assertEquals("1700000000000000005", ok.get("startTimeUnixNano").asText());
        assertEquals("1700000000250000005", ok.get("endTimeUnixNano").asText());
        assertEquals(1, ok.at("/status/code").asInt());
        Map<String, JsonNode> a = attrs(ok);
        assertEquals("chat", a.get("gen_ai.operation.name").get("stringValue").asText());
        assertEquals("openai", a.get("gen_ai.system").get("stringValue").asText());
        assertEquals("gpt-test", a.get("gen_ai.request.model").get("stringValue").asText());
        assertEquals("gpt-4o-mini", a.get("gen_ai.response.model").get("stringValue").asText());
        assertEquals("11", a.get("gen_ai.usage.input_tokens").get("intValue").asText());
        assertEquals("7", a.get("gen_ai.usage.output_tokens").get("intValue").asText());
        assertEquals("200", a.get("http.response.status_code").get("intValue").asText());
        assertEquals(uuid, a.get("aisix.request_id").get("stringValue").asText());
        assertTrue(a.get("aisix.stream").get("boolValue").asBoolean());
        assertEquals("40", a.get("aisix.ttft_ms").get("intValue").asText());
        assertEquals("an answer", a.get("gen_ai.completion").get("stringValue").asText());
        assertTrue(a.get("gen_ai.prompt").get("stringValue").asText().contains("hi"));
        assertFalse(a.containsKey("error.type"));

        JsonNode failed = spans.get(1);
        assertTrue(failed.get("traceId").asText().matches("[0-9a-f]{32}"));
        assertEquals(2, failed.at("/status/code").asInt());
        assertEquals("upstream_error", failed.at("/status/message").asText());
        assertEquals("upstream_error", attrs(failed).get("error.type").get("stringValue").asText());
        assertFalse(attrs(failed).containsKey("gen_ai.prompt"));
    }

    @Test
    void everyUpstreamTryIsAChildSpanOfTheRequest() throws Exception {
        UsageEvent base = event("rescued-1", 200, "", Optional.empty());
        UsageEvent rescued = new UsageEvent(base.requestId(), base.start(), base.durationNanos(),
                base.timeToFirstTokenNanos(), base.route(), base.keyId(), base.alias(), base.provider(),
                base.upstreamModel(), 200, "", 11, 7, "miss", "pass", 2, true, List.of(
                        new UsageEvent.Attempt(1, "gpt-a", "openai", "gpt-4o", 500, "upstream_error", 1_000, 30_000_000,
                                "req_failed"),
                        new UsageEvent.Attempt(2, "claude-b", "anthropic", "claude-x", 200, "", 31_000_000, 200_000_000,
                                "")),
                Optional.empty(), Optional.empty());
        try (Exporter e = new OtlpHttpExporterKind().create(resource(server.url("/")), context())) {
            e.export(List.of(rescued));
        }
        JsonNode spans = server.requests().get(0).json().at("/resourceSpans/0/scopeSpans/0/spans");
        assertEquals(3, spans.size());
        JsonNode request = spans.get(0);
        JsonNode failed = spans.get(1);
        JsonNode served = spans.get(2);
        assertEquals(1, request.at("/status/code").asInt(), "the request succeeded");
        for (JsonNode child : List.of(failed, served)) {
            assertEquals(request.get("traceId").asText(), child.get("traceId").asText());
            assertEquals(request.get("spanId").asText(), child.get("parentSpanId").asText());
            assertEquals("rescued-1", attrs(child).get("aisix.request_id").get("stringValue").asText());
        }
        assertFalse(failed.get("spanId").asText().equals(served.get("spanId").asText()));
        assertEquals("chat gpt-4o", failed.get("name").asText());
        assertEquals("1700000000000001005", failed.get("startTimeUnixNano").asText());
        assertEquals("1700000000030001005", failed.get("endTimeUnixNano").asText());
        assertEquals(2, failed.at("/status/code").asInt());
        Map<String, JsonNode> f = attrs(failed);
        assertEquals("500", f.get("http.response.status_code").get("intValue").asText());
        assertEquals("openai", f.get("gen_ai.provider.name").get("stringValue").asText());
        assertEquals("gpt-a", f.get("aisix.attempt.model").get("stringValue").asText());
        assertEquals("1", f.get("aisix.attempt.index").get("intValue").asText());
        assertEquals("req_failed", f.get("aisix.provider_request_id").get("stringValue").asText());
        assertEquals("upstream_error", f.get("error.type").get("stringValue").asText());
        assertEquals(1, served.at("/status/code").asInt());
        assertEquals("anthropic", attrs(served).get("gen_ai.provider.name").get("stringValue").asText());
        assertFalse(attrs(served).containsKey("aisix.provider_request_id"));
    }

    @Test
    void keepsAnExplicitTracesPath() {
        assertEquals("http://h:4318/v1/traces", OtlpHttpExporterKind.tracesUrl("http://h:4318/v1/traces"));
        assertEquals("http://h:4318/otlp/v1/traces", OtlpHttpExporterKind.tracesUrl("http://h:4318/otlp//"));
    }

    @Test
    void operationNamesFollowTheRoute() {
        assertEquals("chat", OtlpSpans.operation("/v1/messages"));
        assertEquals("text_completion", OtlpSpans.operation("/v1/completions"));
        assertEquals("embeddings", OtlpSpans.operation("/v1/embeddings"));
        assertEquals("models", OtlpSpans.operation("/v1/models"));
    }

    @Test
    void refusesBadEndpoints() {
        assertThrows(IllegalArgumentException.class, () -> new OtlpHttpExporterKind().create(resource("not a url"),
                context()));
    }
}
