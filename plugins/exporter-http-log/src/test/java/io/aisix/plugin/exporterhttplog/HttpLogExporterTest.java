package io.aisix.plugin.exporterhttplog;

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
import io.aisix.support.observe.HttpPostExporter;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.TestPluginContext;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpLogExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    Http1UpstreamClient client;
    LoopbackHttpServer server;
    final AtomicInteger answer = new AtomicInteger(200);

    @BeforeEach
    void start() {
        client = new Http1UpstreamClient(new GatewayConfig.Upstream(2000L, 5000L, 5000L, 0));
        server = LoopbackHttpServer.start()
                .route("/ingest", req -> LoopbackHttpServer.Reply.json(answer.get(), "{\"echo\":\"Bearer log-secret\"}"));
    }

    @AfterEach
    void stop() {
        server.close();
        client.close();
    }

    private PluginContext context() {
        return new TestPluginContext().upstream(client);
    }

    private static ExporterResource resource(String endpoint) {
        return resource(endpoint, JsonNodeFactory.instance.objectNode().put("timeout_ms", 3000));
    }

    private static ExporterResource resource(String endpoint, JsonNode spec) {
        return new ExporterResource("id", "logs", true, "http_log", Optional.of(endpoint), Optional.empty(),
                Map.of("authorization", "Bearer log-secret"), 1.0, "metadata_only", 100, 1000, spec);
    }

    static UsageEvent event(String id) {
        return new UsageEvent(id, Instant.now(), 5_000_000, Optional.empty(), "/v1/chat/completions", "k1", "m",
                "openai", "up", 200, "", 3, 4, "", "", 1, false, List.of(), Optional.empty(), Optional.empty());
    }

    @Test
    void postsOneNdjsonBodyPerBatchWithTheConfiguredHeaders() throws Exception {
        String url = server.url("/ingest");
        try (Exporter e = new HttpLogExporterKind().create(resource(url), context())) {
            e.export(List.of(event("a"), event("b")));
        }
        assertEquals(1, server.requests().size());
        RecordedRequest post = server.requests().get(0);
        assertEquals("application/x-ndjson", post.header("content-type").orElse("null"));
        assertEquals("Bearer log-secret", post.header("authorization").orElse("null"));
        String[] lines = post.bodyText().split("\n");
        assertEquals(2, lines.length);
        assertTrue(post.bodyText().endsWith("\n"));
        assertEquals("a", JSON.readTree(lines[0]).get("request_id").asText());
        assertEquals(7, JSON.readTree(lines[1]).get("total_tokens").asInt());
    }

    @Test
    void aNon2xxAnswerFailsTheBatchWithoutEchoingTheBody() throws Exception {
        answer.set(503);
        String url = server.url("/ingest");
        Exporter e = new HttpLogExporterKind().create(resource(url), context());
        Exception ex = assertThrows(Exception.class, () -> e.export(List.of(event("a"))));
        assertTrue(ex.getMessage().contains("503"));
        assertFalse(ex.getMessage().contains("log-secret"));
    }

    @Test
    void aDeadEndpointFailsFast() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        Exporter e = new HttpLogExporterKind().create(resource("http://127.0.0.1:" + dead + "/ingest"), context());
        Exception ex = assertThrows(Exception.class, () -> e.export(List.of(event("a"))));
        assertFalse(String.valueOf(ex.getMessage()).contains("log-secret"));
    }

    @Test
    void refusesEndpointsThatAreNotHttp() {
        assertThrows(IllegalArgumentException.class,
                () -> new HttpLogExporterKind().create(resource("ftp://example.com/x"), context()));
    }

    @Test
    void timeoutMsDefaultsToTenSecondsAndMustBeAPositiveInteger() {
        String url = server.url("/ingest");
        HttpLogExporterKind kind = new HttpLogExporterKind();
        assertEquals(Duration.ofSeconds(3), ((HttpPostExporter) kind.create(resource(url), context())).timeout());
        assertEquals(Duration.ofSeconds(10), ((HttpPostExporter) kind.create(
                resource(url, JsonNodeFactory.instance.objectNode()), context())).timeout());
        for (JsonNode bad : List.<JsonNode>of(JsonNodeFactory.instance.numberNode(0), JsonNodeFactory.instance.numberNode(-5),
                JsonNodeFactory.instance.numberNode(1.5), JsonNodeFactory.instance.textNode("3000"))) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> kind.create(
                    resource(url, JsonNodeFactory.instance.objectNode().set("timeout_ms", bad)), context()));
            assertEquals("timeout_ms must be a positive integer", ex.getMessage());
        }
    }

    @Test
    void requiresAnEndpoint() {
        ExporterResource none = new ExporterResource("id", "logs", true, "http_log", Optional.empty(), Optional.empty(),
                Map.of(), 1.0, "metadata_only", 100, 1000, JsonNodeFactory.instance.objectNode());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new HttpLogExporterKind().create(none, context()));
        assertEquals("endpoint is required for kind http_log", ex.getMessage());
    }
}
