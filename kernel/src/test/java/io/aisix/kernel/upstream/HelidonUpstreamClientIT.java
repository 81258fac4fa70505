package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.tls.ListenerTls;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.StreamBody;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstream.client: helidon} on a loopback HTTPS upstream that speaks HTTP/2 and HTTP/1.1
 * and answers with the protocol it served: ALPN h2 with {@code upstream.http2}, HTTP/1.1 without;
 * streamed request and answer bodies; provider-key TLS; the egress proxy (CONNECT with the URL's
 * credentials, NO_PROXY); timeouts and failures as {@link GatewayException}s.
 */
@Timeout(60)
class HelidonUpstreamClientIT {
    @TempDir
    static Path dir;
    static WebServer server;
    static String caPem;

    @BeforeAll
    static void start() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        caPem = Files.readString(certs.caCert);
        server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .tls(ListenerTls.build("upstream", new GatewayConfig.Tls(certs.serverCert.toString(),
                        certs.serverKey.toString(), null), Clock.systemUTC()).orElseThrow())
                .routing(r -> r.post("/echo", (req, res) -> {
                    byte[] body = req.content().inputStream().readAllBytes();
                    res.header(HeaderNames.create("x-protocol"), req.prologue().protocolVersion())
                            .send(body);
                }).post("/events", (req, res) -> {
                    req.content().consume();
                    try (OutputStream out = res.header(HeaderNames.CONTENT_TYPE, "text/event-stream").outputStream()) {
                        for (int i = 0; i < 5; i++) {
                            out.write(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    }
                }).post("/slow", (req, res) -> {
                    req.content().consume();
                    Thread.sleep(10_000);
                    res.send("late");
                }))
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static GatewayConfig.Upstream config(boolean http2) {
        return new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, null, 0, null, null, null, null, null, null, null,
                "helidon", http2, null);
    }

    private static UpstreamRequest post(String path, byte[] body, StreamBody stream, Duration timeout) {
        return new UpstreamRequest("POST", "https://127.0.0.1:" + server.port() + path,
                Headers.of("content-type", "application/json"), body, false, timeout, Optional.of(caPem), true,
                Optional.ofNullable(stream));
    }

    private static String text(UpstreamResponse r) {
        return new String(r.readAll(), StandardCharsets.UTF_8);
    }

    @Test
    void http2IsNegotiatedWithAlpnAndHttp11WithoutIt() {
        byte[] body = "{\"hello\":\"h2\"}".getBytes(StandardCharsets.UTF_8);
        try (HelidonUpstreamClient h2 = new HelidonUpstreamClient(config(true), EgressProxies.NONE);
             HelidonUpstreamClient h1 = new HelidonUpstreamClient(config(false), EgressProxies.NONE)) {
            for (int i = 0; i < 2; i++) {
                try (UpstreamResponse r = h2.send(post("/echo", body, null, Duration.ZERO))) {
                    assertEquals(200, r.status());
                    assertEquals("2.0", r.headers().first("x-protocol").orElseThrow());
                    assertEquals("{\"hello\":\"h2\"}", text(r));
                }
            }
            try (UpstreamResponse r = h1.send(post("/echo", body, null, Duration.ZERO))) {
                assertEquals("1.1", r.headers().first("x-protocol").orElseThrow());
                assertEquals("{\"hello\":\"h2\"}", text(r));
            }
        }
    }

    @Test
    void streamedBodiesBothWays() throws Exception {
        StreamBody upload = new StreamBody() {
            @Override
            public long length() {
                return -1; // chunked on HTTP/1.1, data frames on HTTP/2
            }

            @Override
            public void writeTo(OutputStream out) throws java.io.IOException {
                for (int i = 0; i < 3; i++) {
                    out.write(("part" + i + ";").getBytes(StandardCharsets.UTF_8));
                }
            }
        };
        for (boolean http2 : new boolean[] {true, false}) {
            try (HelidonUpstreamClient c = new HelidonUpstreamClient(config(http2), EgressProxies.NONE)) {
                try (UpstreamResponse r = c.send(post("/echo", new byte[0], upload, Duration.ZERO))) {
                    assertEquals("part0;part1;part2;", text(r), "http2 " + http2);
                }
                try (UpstreamResponse r = c.send(post("/events", new byte[0], null, Duration.ZERO));
                     InputStream in = r.body()) {
                    String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals("data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n", all, "http2 " + http2);
                }
            }
        }
    }

    @Test
    void timeoutsAndUntrustedCertificatesAreGatewayErrors() {
        try (HelidonUpstreamClient c = new HelidonUpstreamClient(config(true), EgressProxies.NONE)) {
            GatewayException late = assertThrows(GatewayException.class,
                    () -> c.send(post("/slow", new byte[0], null, Duration.ofMillis(300))).readAll());
            assertEquals(ErrorCode.TIMEOUT, late.code());
            UpstreamRequest untrusted = new UpstreamRequest("POST", "https://127.0.0.1:" + server.port() + "/echo",
                    Headers.empty(), new byte[0], false, Duration.ZERO, Optional.empty(), true);
            assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class, () -> c.send(untrusted)).code());
        }
    }

    @Test
    void theEgressProxyTunnelsWithTheUrlsCredentialsAndNoProxyBypasses() throws Exception {
        try (ConnectProxy proxy = ConnectProxy.start()) {
            String auth = "Basic " + Base64.getEncoder().encodeToString("hx:p@ss".getBytes(StandardCharsets.UTF_8));
            proxy.requireCredentials(auth);
            EgressProxies via = EgressProxies.resolve(new GatewayConfig.EgressProxy(null, null),
                    Map.of("HTTPS_PROXY", "http://hx:p%40ss@127.0.0.1:" + proxy.port())::get);
            try (HelidonUpstreamClient c = new HelidonUpstreamClient(config(true), via);
                 UpstreamResponse r = c.send(post("/echo", "{}".getBytes(StandardCharsets.UTF_8), null, Duration.ZERO))) {
                assertEquals("{}", text(r));
                assertEquals("2.0", r.headers().first("x-protocol").orElseThrow(), "h2 inside the tunnel");
            }
            // Helidon names the target by its InetSocketAddress's host name: 127.0.0.1 becomes localhost
            String connect = proxy.seen().getFirst().requestLine();
            assertTrue(connect.matches("CONNECT (127\\.0\\.0\\.1|localhost):" + server.port() + " HTTP/1\\.1"), connect);
            assertEquals(auth, proxy.seen().getFirst().header("proxy-authorization"));

            int tunnels = proxy.seen().size(); // Helidon's HTTP/2 client may open more than one
            EgressProxies bypass = EgressProxies.resolve(new GatewayConfig.EgressProxy(proxy.url(),
                    java.util.List.of("127.0.0.0/8")), Map.<String, String>of()::get);
            try (HelidonUpstreamClient c = new HelidonUpstreamClient(config(false), bypass);
                 UpstreamResponse r = c.send(post("/echo", "{}".getBytes(StandardCharsets.UTF_8), null, Duration.ZERO))) {
                assertEquals(200, r.status());
            }
            assertEquals(tunnels, proxy.seen().size(), "NO_PROXY: straight to the upstream: " + proxy.seen());
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EgressProxies dead = EgressProxies.resolve(new GatewayConfig.EgressProxy("http://127.0.0.1:" + port, null),
                Map.<String, String>of()::get);
        try (HelidonUpstreamClient c = new HelidonUpstreamClient(config(false), dead)) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> c.send(post("/echo", new byte[0], null, Duration.ZERO)));
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        }
    }

    /**
     * A plain-HTTP upstream: HTTP/2 from the first byte with {@code http2_prior_knowledge}, else
     * HTTP/1.1 (no h2c upgrade); a stream arrives over HTTP/2 too.
     */
    @Test
    void aPlainHttpUpstreamSpeaksHttp2WithPriorKnowledgeOnly() throws Exception {
        WebServer plain = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.post("/echo", (req, res) -> res.header(HeaderNames.create("x-protocol"),
                        req.prologue().protocolVersion()).send(req.content().inputStream().readAllBytes()))
                        .post("/events", (req, res) -> {
                            req.content().consume();
                            try (OutputStream out = res.header(HeaderNames.CONTENT_TYPE, "text/event-stream")
                                    .header(HeaderNames.create("x-protocol"), req.prologue().protocolVersion())
                                    .outputStream()) {
                                for (int i = 0; i < 3; i++) {
                                    out.write(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                                    out.flush();
                                }
                            }
                        }))
                .build().start();
        GatewayConfig.Upstream prior = new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, null, 0, null, null, null,
                null, null, null, null, "helidon", true, true);
        byte[] body = "{\"hello\":\"h2c\"}".getBytes(StandardCharsets.UTF_8);
        try (HelidonUpstreamClient h2c = new HelidonUpstreamClient(prior, EgressProxies.NONE);
             HelidonUpstreamClient h1 = new HelidonUpstreamClient(config(true), EgressProxies.NONE)) {
            String base = "http://127.0.0.1:" + plain.port();
            for (int i = 0; i < 2; i++) {
                try (UpstreamResponse r = h2c.send(new UpstreamRequest("POST", base + "/echo",
                        Headers.of("content-type", "application/json"), body, false, Duration.ZERO, Optional.empty(), true))) {
                    assertEquals("2.0", r.headers().first("x-protocol").orElseThrow());
                    assertEquals("{\"hello\":\"h2c\"}", text(r));
                }
            }
            try (UpstreamResponse r = h2c.send(new UpstreamRequest("POST", base + "/events", Headers.empty(), body, true,
                    Duration.ZERO, Optional.empty(), true))) {
                assertEquals("2.0", r.headers().first("x-protocol").orElseThrow());
                assertEquals("data: 0\n\ndata: 1\n\ndata: 2\n\n", text(r));
            }
            try (UpstreamResponse r = h1.send(new UpstreamRequest("POST", base + "/echo",
                    Headers.of("content-type", "application/json"), body, false, Duration.ZERO, Optional.empty(), true))) {
                assertEquals("1.1", r.headers().first("x-protocol").orElseThrow(), "http2 without prior knowledge");
                assertEquals("{\"hello\":\"h2c\"}", text(r));
            }
        } finally {
            plain.stop();
        }
    }

    @Test
    void http2NeedsTheHelidonClient() {
        GatewayConfig.Upstream builtin = new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, null, 0, null, null, null,
                null, null, null, null, null, true, null);
        ConfigException e = assertThrows(ConfigException.class, () -> PooledUpstreamClient.open(builtin,
                EgressProxies.NONE));
        assertTrue(e.getMessage().startsWith("upstream.http2"), e.getMessage());
    }
}
