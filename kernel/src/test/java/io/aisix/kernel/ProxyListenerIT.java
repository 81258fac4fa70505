package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.logging.JsonLogFormatter;
import io.aisix.kernel.testsupport.TestGateway;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy listener, probes and the chain engine through a real socket. */
class ProxyListenerIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, request_body_limit_bytes: 1024 }\n", null);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.proxy(path)))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b);
    }

    @Test
    void probesAnswerOnBothListeners() {
        for (String url : new String[] {gw.proxy("/livez"), gw.proxy("/readyz"), gw.admin("/livez"), gw.admin("/readyz")}) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(url)));
            assertEquals(200, r.statusCode(), url);
            assertEquals("ok", r.body());
        }
        assertEquals(404, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/admin/v1/health")))).statusCode(),
                "the Admin API never answers on the proxy listener");
    }

    @Test
    void drainTurnsProbesUnavailable() {
        gw.gateway.lifecycle().beginDrain();
        assertEquals(503, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/livez")))).statusCode());
        assertEquals(503, gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/readyz")))).statusCode());
    }

    @Test
    void unknownPathsAndMethodsUseTheOpenAiEnvelope() throws Exception {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/nothing"))));
        assertEquals(404, r.statusCode());
        assertEquals("not_found", JSON.readTree(r.body()).at("/error/code").asText());
        assertTrue(r.headers().firstValue("x-aisix-request-id").isPresent());
        HttpResponse<String> m = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions"))));
        assertEquals(405, m.statusCode());
    }

    @Test
    void oversizedBodyIs413InTheEndpointsEnvelope() throws Exception {
        String big = "{\"model\":\"x\",\"pad\":\"" + "a".repeat(2000) + "\"}";
        HttpResponse<String> r = post("/v1/chat/completions", big);
        assertEquals(413, r.statusCode());
        assertEquals("invalid_request_error", JSON.readTree(r.body()).at("/error/type").asText());
        HttpResponse<String> a = post("/v1/messages", big);
        assertEquals(413, a.statusCode());
        JsonNode env = JSON.readTree(a.body());
        assertEquals("error", env.get("type").asText());
        assertEquals("request_too_large", env.at("/error/type").asText());
    }

    /** The value of aisix_requests_total for a route and status, with model and provider unknown. */
    private static double requests(String scrape, String route, String status) {
        return scrape.lines()
                .filter(l -> l.startsWith("aisix_requests_total{") && l.contains("model=\"unknown\"")
                        && l.contains("provider=\"unknown\"") && l.contains("route=\"" + route + "\"")
                        && l.contains("status=\"" + status + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElse(-1);
    }

    @Test
    void requestsAnsweredBeforeTheChainAreCounted() {
        gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/nothing"))));
        gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/other/thing"))));
        gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions"))));
        post("/v1/messages", "{\"pad\":\"" + "a".repeat(2000) + "\"}");
        String metrics = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics")))).body();
        assertEquals(2.0, requests(metrics, "unmatched", "404"), metrics);
        assertEquals(1.0, requests(metrics, "/v1/chat/completions", "405"), metrics);
        assertEquals(1.0, requests(metrics, "/v1/messages", "413"), metrics);
    }

    @Test
    void contractViolationsNameTheFilter() throws Exception {
        HttpResponse<String> none = post("/v1/chat/completions", "{}", "x-test-script", "no-answer");
        assertEquals(500, none.statusCode());
        assertTrue(none.body().contains("test-scripted") && none.body().contains("neither proceeded nor answered"),
                none.body());
        HttpResponse<String> twice = post("/v1/chat/completions", "{}", "x-test-script", "twice");
        assertEquals(500, twice.statusCode());
        assertTrue(twice.body().contains("more than once"), twice.body());
    }

    @Test
    void unexpectedExceptionsDoNotLeakDetails() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{}", "x-test-script", "throw");
        assertEquals(500, r.statusCode());
        assertFalse(r.body().contains("secret"), r.body());
        assertEquals("internal_error", JSON.readTree(r.body()).at("/error/code").asText());
    }

    @Test
    void linesLoggedWhileServingARequestCarryItsIdInJson() throws Exception {
        // formatted at publish time, on the thread that logs: where the request id is known
        List<String> lines = new CopyOnWriteArrayList<>();
        JsonLogFormatter json = new JsonLogFormatter();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(json.format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("io.aisix.kernel.http.ProxyHandler");
        logger.addHandler(capture);
        try {
            HttpResponse<String> r = post("/v1/chat/completions", "{}", "x-test-script", "throw");
            assertEquals(500, r.statusCode());
            String id = r.headers().firstValue("x-aisix-request-id").orElseThrow();
            JsonNode line = JSON.readTree(lines.stream().filter(l -> l.contains("failed")).findFirst().orElseThrow());
            assertEquals(id, line.get("request_id").asText(), line.toString());
            assertTrue(line.get("exception").asText().startsWith("java.lang."), line.toString());
            lines.clear();
            logger.warning("not serving a request");
            assertFalse(JSON.readTree(lines.getFirst()).has("request_id"), "only lines of the serving thread carry it");
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void streamsArriveAsServerSentEvents() {
        HttpResponse<String> r = post("/v1/chat/completions", "{}", "x-test-script", "stream:3:1");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        assertEquals("data: {\"n\":0}\n\ndata: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n", r.body());
    }

    @Test
    void configChangesApplyLive() throws Exception {
        long before = JSON.readTree(post("/v1/chat/completions", "{}", "x-test-script", "answer").body())
                .get("revision").asLong();
        gw.adminCall("POST", "/admin/v1/provider_keys",
                "{\"display_name\":\"k\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789abc\"}");
        long after = before;
        for (int i = 0; i < 200 && after == before; i++) {
            after = JSON.readTree(post("/v1/chat/completions", "{}", "x-test-script", "answer").body())
                    .get("revision").asLong();
            Thread.sleep(10);
        }
        assertEquals(before + 1, after);
    }

    /** AISIX's proxy.url_rewrites: the rewritten path is routed; the query string and other paths stay. */
    @Test
    void urlRewritesRouteTheRewrittenPath() throws Exception {
        Path other = dir.resolve("rewrites");
        java.nio.file.Files.createDirectories(other);
        try (TestGateway g = TestGateway.start(other, """
                proxy:
                  addr: 127.0.0.1:0
                  url_rewrites:
                    - { name: legacy, match: "^/legacy/([a-z]+)$", rewrite: "/v1/chat/$1" }
                """, null)) {
            HttpResponse<String> r = g.send(HttpRequest.newBuilder(URI.create(g.proxy("/legacy/completions?x=1")))
                    .header("x-test-script", "answer").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"ok\":true"), r.body());
            assertEquals(404, g.send(HttpRequest.newBuilder(URI.create(g.proxy("/legacy/x/y")))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode(), "no rule: routed as sent");
            assertEquals(200, g.send(HttpRequest.newBuilder(URI.create(g.proxy("/v1/chat/completions")))
                    .header("x-test-script", "answer").POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode());
        }
    }

    /** request_body_limit_bytes: 0 is AISIX's "no cap". */
    @Test
    void aZeroBodyLimitIsNoCap() throws Exception {
        Path other = dir.resolve("nocap");
        java.nio.file.Files.createDirectories(other);
        try (TestGateway g = TestGateway.start(other, "proxy: { addr: 127.0.0.1:0, request_body_limit_bytes: 0 }\n", null)) {
            String big = "{\"pad\":\"" + "a".repeat(12 << 20) + "\"}"; // above the 10 MiB default
            HttpResponse<String> r = g.send(HttpRequest.newBuilder(URI.create(g.proxy("/v1/chat/completions")))
                    .header("x-test-script", "answer").POST(HttpRequest.BodyPublishers.ofString(big)));
            assertEquals(200, r.statusCode(), r.body());
        }
    }

    /**
     * Two listeners on one port passed the port check one by one, then Helidon failed the second
     * bind, logged it and stopped without an exception, and the process served nothing until killed.
     */
    @Test
    void twoListenersOnOnePortStopStartupNamingTheSecondKey() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path other = dir.resolve("twice");
        java.nio.file.Files.createDirectories(other);
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(other,
                "proxy: { addr: 127.0.0.1:" + port + " }\nadmin: { addr: 127.0.0.1:" + port + " }\n", null));
        assertEquals("admin.addr", e.key());
        assertEquals("port " + port + " is proxy.addr's too", e.getMessage().substring(e.getMessage().indexOf("port ")));
    }

    @Test
    void portInUseStopsStartupNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path other = dir.resolve("other");
            java.nio.file.Files.createDirectories(other);
            ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(other,
                    "proxy: { addr: 127.0.0.1:" + taken.getLocalPort() + " }\n", null));
            assertEquals("proxy.addr", e.key());
        }
    }
}
