package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.tls.ListenerTls;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Causes;
import io.aisix.testkit.LogCapture;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The side-call client (webhooks, exporters, heartbeat) with the default {@code upstream.client}
 * (the builtin one): nothing is built before the first call, and the calls are Helidon's WebClient
 * over HTTP/1.1 (the receiver sees Helidon's {@code User-Agent}; the builtin client sends none),
 * with {@code upstream.http2} set too; an HTTPS receiver is reached through the CONNECT proxy of
 * {@code HTTPS_PROXY} with {@code upstream.tls.ca_file}, or with the request's own CA; a proxy that
 * refuses, is gone or hangs is a clear error in bounded time that names no proxy password.
 */
@Timeout(60)
class SideCallClientIT {
    @TempDir
    static Path dir;
    static WebServer plain;
    static WebServer tls;
    static String caPem;
    static Path caFile;

    @BeforeAll
    static void start() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        caFile = certs.caCert;
        caPem = Files.readString(certs.caCert);
        // answers what it saw: the client's User-Agent and the HTTP version, after the body it got
        Consumer<HttpRouting.Builder> routes = r -> r.post("/hook", (req, res) -> {
            String body = new String(req.content().inputStream().readAllBytes(), StandardCharsets.UTF_8);
            res.header(HeaderNames.create("x-user-agent"), req.headers().first(HeaderNames.USER_AGENT).orElse(""))
                    .header(HeaderNames.create("x-protocol"), req.prologue().protocolVersion())
                    .send(body);
        });
        plain = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).routing(routes).build().start();
        tls = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .tls(ListenerTls.build("receiver", new GatewayConfig.Tls(certs.serverCert.toString(),
                        certs.serverKey.toString(), null), Clock.systemUTC()).orElseThrow())
                .routing(routes).build().start();
    }

    @AfterAll
    static void stop() {
        plain.stop();
        tls.stop();
    }

    /**
     * The defaults but {@code upstream.tls.ca_file}, and {@code upstream.http2} with prior knowledge
     * (h2c without an upgrade, which side calls ignore).
     */
    private static GatewayConfig.Upstream config(String caFile, boolean http2) {
        return new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, null, 0, null, null, null, null, null,
                new GatewayConfig.OutboundTls(caFile, null, null, null), null, null, http2, http2);
    }

    /** A side-call client of {@code config}, trusting its {@code upstream.tls}. */
    private static SideCallClient sideCalls(GatewayConfig.Upstream config, EgressProxies proxies) {
        return new SideCallClient(config, proxies, new DeploymentTls(config.tls()));
    }

    private static UpstreamRequest post(String url, Optional<String> ca) {
        return post(url, ca, Duration.ofSeconds(10));
    }

    private static UpstreamRequest post(String url, Optional<String> ca, Duration timeout) {
        return new UpstreamRequest("POST", url, Headers.of("content-type", "application/json"),
                "{\"verdict\":\"?\"}".getBytes(StandardCharsets.UTF_8), false, timeout, ca, true);
    }

    private static void assertHelidonHttp11(UpstreamResponse r) {
        assertEquals(200, r.status());
        assertEquals("{\"verdict\":\"?\"}", new String(r.readAll(), StandardCharsets.UTF_8), "the body arrived whole");
        assertTrue(r.headers().first("x-user-agent").orElseThrow().startsWith("Helidon"),
                "sent by Helidon's WebClient: " + r.headers().first("x-user-agent"));
        assertEquals("1.1", r.headers().first("x-protocol").orElseThrow());
    }

    @Test
    void builtOnTheFirstCallAsHelidonsWebClientOverHttp11() {
        GatewayConfig.Upstream config = config(null, true);
        assertEquals("builtin", config.client(), "the provider calls' client is the builtin one");
        SideCallClient client = sideCalls(config, EgressProxies.NONE);
        try {
            assertFalse(client.opened(), "nothing is built before a side call");
            try (UpstreamResponse r = client.send(post("http://127.0.0.1:" + plain.port() + "/hook", Optional.empty()))) {
                assertHelidonHttp11(r); // HTTP/1.1 although upstream.http2 is set: no h2c upgrade, no prior knowledge
            }
            assertTrue(client.opened());
        } finally {
            client.close();
        }
        assertThrows(GatewayException.class, () -> client.send(post("http://127.0.0.1:" + plain.port() + "/hook",
                Optional.empty())), "no call after close");
        SideCallClient unused = sideCalls(config, EgressProxies.NONE);
        unused.close();
        assertThrows(GatewayException.class, () -> unused.send(post("http://127.0.0.1:" + plain.port() + "/hook",
                Optional.empty())), "a client closed before its first call builds nothing afterwards");
        assertFalse(unused.opened());
    }

    @Test
    void theFirstCallMayComeFromAPluginsThread() throws Exception {
        // In a JVM of its own: Helidon looks its protocol providers up once per JVM, so in this one
        // an earlier test's client has long done it with the right loader.
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FirstCallFromAPluginsThread.class.getName(),
                String.valueOf(plain.port())).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
    }

    /**
     * A plugin's threads (the OIDC key refresh, an exporter's flusher) carry its class loader, which
     * does not see Helidon's protocol providers: the OIDC plugin's first JWKS fetch failed with
     * 'Requested protocol "http/1.1" is not available on classpath'. Exits 0 when the first side
     * call of this JVM, made on such a thread, reached the receiver on port {@code args[0]}.
     */
    static final class FirstCallFromAPluginsThread {
        public static void main(String[] args) throws Exception {
            Throwable[] failure = new Throwable[1];
            try (SideCallClient client = sideCalls(config(null, false), EgressProxies.NONE)) {
                Thread t = Thread.ofPlatform().unstarted(() -> {
                    try (UpstreamResponse r = client.send(post("http://127.0.0.1:" + args[0] + "/hook",
                            Optional.empty()))) {
                        assertHelidonHttp11(r);
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                t.setContextClassLoader(new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader()));
                t.start();
                t.join();
            }
            if (failure[0] != null) {
                failure[0].printStackTrace();
                System.exit(1);
            }
        }
    }

    @Test
    void anHttpsReceiverThroughTheConnectProxyWithTheDeploymentCaOrTheRequestsOwn() {
        String authority = "127.0.0.1:" + tls.port();
        try (ConnectProxy proxy = ConnectProxy.start();
             SideCallClient deploymentCa = sideCalls(config(caFile.toString(), false),
                     EgressProxies.resolve(new GatewayConfig.EgressProxy(null, null),
                             Map.of("HTTPS_PROXY", proxy.url())::get));
             SideCallClient requestCa = sideCalls(config(null, false),
                     EgressProxies.resolve(new GatewayConfig.EgressProxy(null, null),
                             Map.of("HTTPS_PROXY", proxy.url())::get))) {
            for (int i = 0; i < 2; i++) {
                try (UpstreamResponse r = deploymentCa.send(post("https://" + authority + "/hook", Optional.empty()))) {
                    assertHelidonHttp11(r);
                }
            }
            try (UpstreamResponse r = requestCa.send(post("https://" + authority + "/hook", Optional.of(caPem)))) {
                assertHelidonHttp11(r);
            }
            // Helidon names the receiver by host name in CONNECT, and may open a tunnel per call
            assertTrue(proxy.seen().size() >= 2, "both clients tunnelled: " + proxy.seen());
            proxy.seen().forEach(s -> assertTrue(s.requestLine().matches("CONNECT (127\\.0\\.0\\.1|localhost):"
                    + tls.port() + " HTTP/1\\.1"), s.requestLine()));
            // without the CA (neither upstream.tls nor the request's), the receiver is not trusted
            assertThrows(GatewayException.class, () -> requestCa.send(post("https://" + authority + "/hook",
                    Optional.empty())).close());
        }
    }

    @Test
    void sideCallsTrustTheContextOfTheProviderClient() {
        // the gateway builds upstream.tls once: the side-call client is given the providers' context
        // and reads no upstream.tls of its own (its config here has no CA, the shared context has)
        DeploymentTls shared = new DeploymentTls(config(caFile.toString(), false).tls());
        String url = "https://127.0.0.1:" + tls.port() + "/hook";
        try (Http1UpstreamClient providers = new Http1UpstreamClient(config(caFile.toString(), false), EgressProxies.NONE,
                shared);
             SideCallClient side = new SideCallClient(config(null, false), EgressProxies.NONE, shared)) {
            try (UpstreamResponse r = providers.send(post(url, Optional.empty()))) {
                assertEquals(200, r.status());
            }
            try (UpstreamResponse r = side.send(post(url, Optional.empty()))) {
                assertHelidonHttp11(r);
            }
        }
        try (SideCallClient own = sideCalls(config(null, false), EgressProxies.NONE)) {
            assertThrows(GatewayException.class, () -> own.send(post(url, Optional.empty())).close(),
                    "control: without the shared context the receiver is not trusted");
        }
    }

    /**
     * A webhook's or an exporter's call through an egress proxy that refuses the tunnel (407), one
     * that is gone (nothing listens) and one that accepts and never answers: each is an upstream
     * error the caller can act on, within the request's timeout, and neither it nor any log line
     * holds the proxy's password.
     */
    @Test
    void aRefusingDeadOrHungProxyIsAClearErrorInBoundedTimeWithoutItsPassword() throws Exception {
        String password = "pr0xy-s3cret";
        String url = "https://127.0.0.1:" + tls.port() + "/hook";
        try (LogCapture logged = LogCapture.of(""); // every logger's records
             ConnectProxy refusing = ConnectProxy.start().requireCredentials("Basic cmlnaHQ6b25l");
             ConnectProxy hung = ConnectProxy.start().silent()) {
            // the proxy, and what the failure must say: the refused tunnel's status, the refused
            // connection, and a timeout within the connect timeout (5 s) for the proxy that never answers
            Map<Integer, String> expected = Map.of(refusing.port(), "407", LocalProcesses.freePort(), "ConnectException",
                    hung.port(), "SocketTimeoutException");
            for (Map.Entry<Integer, String> p : expected.entrySet()) {
                String proxy = "http://gw:" + password + "@127.0.0.1:" + p.getKey();
                try (SideCallClient client = sideCalls(config(caFile.toString(), false), EgressProxies.resolve(
                        new GatewayConfig.EgressProxy(proxy, null), Map.<String, String>of()::get))) {
                    GatewayException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                            () -> assertThrows(GatewayException.class, () -> client.send(post(url, Optional.empty(),
                                    Duration.ofSeconds(2))).close()), p.getValue() + ": the call hung");
                    String reason = Causes.describe(e);
                    assertTrue(reason.contains(p.getValue()), reason);
                    assertEquals(p.getValue().equals("SocketTimeoutException") ? ErrorCode.TIMEOUT : ErrorCode.UPSTREAM_ERROR,
                            e.code(), reason);
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        assertFalse(String.valueOf(t.getMessage()).contains(password), reason);
                    }
                }
            }
            assertTrue(refusing.seen().getFirst().requestLine().startsWith("CONNECT "), "refused: " + refusing.seen());
            assertTrue(hung.seen().getFirst().requestLine().startsWith("CONNECT "), "held: " + hung.seen());
            assertFalse(logged.contains(password), logged.toString());
        }
    }
}
