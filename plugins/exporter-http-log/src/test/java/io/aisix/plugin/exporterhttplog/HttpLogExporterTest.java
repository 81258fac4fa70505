package io.aisix.plugin.exporterhttplog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.upstream.HelidonUpstreamClient;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.ExporterResource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpLogExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    HelidonUpstreamClient client;
    HttpServer server;
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();
    final List<String> auth = new CopyOnWriteArrayList<>();
    final AtomicInteger answer = new AtomicInteger(200);

    @BeforeEach
    void start() throws Exception {
        client = new HelidonUpstreamClient(new GatewayConfig.Upstream(2000L, 5000L, 5000L, 0));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ingest", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            contentTypes.add(ex.getRequestHeaders().getFirst("content-type"));
            auth.add(String.valueOf(ex.getRequestHeaders().getFirst("authorization")));
            byte[] out = "{\"echo\":\"Bearer log-secret\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(answer.get(), out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        client.close();
    }

    private PluginContext context() {
        UpstreamClient c = client;
        return new PluginContext() {
            @Override
            public UpstreamClient upstream() {
                return c;
            }

            @Override
            public Clock clock() {
                return Clock.systemUTC();
            }

            @Override
            public Optional<String> setting(String path) {
                return Optional.empty();
            }

            @Override
            public <T> Optional<T> service(Class<T> type) {
                return Optional.empty();
            }
        };
    }

    private static ExporterResource resource(String endpoint) {
        return new ExporterResource("id", "logs", true, "http_log", Optional.of(endpoint), Optional.empty(),
                Map.of("authorization", "Bearer log-secret"), 1.0, "metadata_only", 100, 1000,
                JsonNodeFactory.instance.objectNode().put("timeout_ms", 3000));
    }

    static UsageEvent event(String id) {
        return new UsageEvent(id, Instant.now(), 5_000_000, Optional.empty(), "/v1/chat/completions", "k1", "m",
                "openai", "up", 200, "", 3, 4, "", "", 1, false, Optional.empty(), Optional.empty());
    }

    @Test
    void postsOneNdjsonBodyPerBatchWithTheConfiguredHeaders() throws Exception {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ingest";
        try (Exporter e = new HttpLogExporterKind().create(resource(url), context())) {
            e.export(List.of(event("a"), event("b")));
        }
        assertEquals(1, bodies.size());
        assertEquals("application/x-ndjson", contentTypes.get(0));
        assertEquals("Bearer log-secret", auth.get(0));
        String[] lines = bodies.get(0).split("\n");
        assertEquals(2, lines.length);
        assertTrue(bodies.get(0).endsWith("\n"));
        assertEquals("a", JSON.readTree(lines[0]).get("request_id").asText());
        assertEquals(7, JSON.readTree(lines[1]).get("total_tokens").asInt());
    }

    @Test
    void aNon2xxAnswerFailsTheBatchWithoutEchoingTheBody() throws Exception {
        answer.set(503);
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ingest";
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
}
