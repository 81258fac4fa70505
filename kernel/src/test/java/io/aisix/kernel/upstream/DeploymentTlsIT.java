package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.tls.ListenerTls;
import io.aisix.spi.Headers;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstream.tls} (AISIX's deployment-wide upstream trust) against real HTTPS loopback
 * upstreams from a throw-away CA: {@code ca_file} is trusted besides the JDK's store, a provider
 * key's own {@code tls} still wins, {@code verify: false} accepts anything, and the client
 * certificate is presented to an upstream that requires one.
 */
class DeploymentTlsIT {
    @TempDir
    static Path dir;
    static TestPki.Pair ca;
    static TestPki.Pair client;
    static TestPki.Pair otherCa;
    static WebServer https;
    static WebServer mutual;

    @BeforeAll
    static void start() {
        ca = TestPki.ca(dir, "ca");
        otherCa = TestPki.ca(dir, "other-ca");
        TestPki.Pair server = TestPki.server(dir, "server", ca);
        client = TestPki.client(dir, "client", ca);
        https = server(new GatewayConfig.Tls(server.cert().toString(), server.key().toString(), null));
        mutual = server(new GatewayConfig.Tls(server.cert().toString(), server.key().toString(), ca.cert().toString()));
    }

    private static WebServer server(GatewayConfig.Tls tls) {
        return WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .tls(ListenerTls.build("upstream", tls, Clock.systemUTC()).orElseThrow())
                .routing(r -> r.post("/v1/chat/completions", (req, res) -> {
                    req.content().consume();
                    res.send("{}");
                }))
                .build().start();
    }

    @AfterAll
    static void stop() {
        for (WebServer s : new WebServer[] {https, mutual}) {
            if (s != null) {
                s.stop();
            }
        }
    }

    private static Http1UpstreamClient client(GatewayConfig.OutboundTls tls) {
        return new Http1UpstreamClient(new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, null, 0, null, null, null,
                null, null, tls, null, null, null, null));
    }

    private static int status(Http1UpstreamClient c, WebServer server, Optional<String> keyCa) {
        UpstreamRequest r = new UpstreamRequest("POST", "https://127.0.0.1:" + server.port() + "/v1/chat/completions",
                Headers.of("content-type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8), false,
                Duration.ofSeconds(10), keyCa, true);
        try (UpstreamResponse response = c.send(r)) {
            return response.status();
        }
    }

    @Test
    void caFileIsTrustedBesidesTheJdkStore() throws Exception {
        Http1UpstreamClient none = client(new GatewayConfig.OutboundTls(null, null, null, null));
        Http1UpstreamClient withCa = client(new GatewayConfig.OutboundTls(ca.cert().toString(), null, null, null));
        try {
            assertThrows(GatewayException.class, () -> status(none, https, Optional.empty()), "a private CA is unknown");
            assertEquals(200, status(withCa, https, Optional.empty()));
            String other = Files.readString(otherCa.cert());
            assertThrows(GatewayException.class, () -> status(withCa, https, Optional.of(other)),
                    "a provider key's own tls.ca_pem wins over upstream.tls");
        } finally {
            none.close();
            withCa.close();
        }
        X509Certificate[] anchors = ((X509TrustManager) DeploymentTls.trust(ca.cert().toString())[0]).getAcceptedIssuers();
        assertTrue(anchors.length > 10, "the JDK's anchors stay: public providers remain reachable");
        assertTrue(Arrays.stream(anchors).anyMatch(c -> c.getSubjectX500Principal().getName().equals("CN=ca")));
    }

    @Test
    void oneContextAndFactoryBuiltAtOnceFromFilesOrOnFirstUseByDefault() {
        DeploymentTls jdk = new DeploymentTls(new GatewayConfig.OutboundTls(null, null, null, null));
        assertFalse(jdk.isBuilt(), "the JDK's trust store waits for its first use");
        assertSame(jdk.context(), jdk.context());
        assertTrue(jdk.isBuilt());
        DeploymentTls files = new DeploymentTls(new GatewayConfig.OutboundTls(ca.cert().toString(), null, null, null));
        assertTrue(files.isBuilt(), "built at once: bad files stop the start");
        assertSame(files.socketFactory(), files.socketFactory(), "one factory: the builtin client pools by it");
    }

    @Test
    void verifyFalseAcceptsAnyCertificate() {
        Http1UpstreamClient c = client(new GatewayConfig.OutboundTls(null, null, null, false));
        try {
            assertEquals(200, status(c, https, Optional.empty()));
        } finally {
            c.close();
        }
    }

    @Test
    void theClientCertificateIsPresentedToAnUpstreamThatRequiresOne() {
        Http1UpstreamClient without = client(new GatewayConfig.OutboundTls(ca.cert().toString(), null, null, null));
        Http1UpstreamClient with = client(new GatewayConfig.OutboundTls(ca.cert().toString(), client.cert().toString(),
                client.key().toString(), null));
        try {
            assertThrows(GatewayException.class, () -> status(without, mutual, Optional.empty()));
            assertEquals(200, status(with, mutual, Optional.empty()));
        } finally {
            without.close();
            with.close();
        }
    }

    @Test
    void badFilesStopStartupNamingTheKey() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> client(new GatewayConfig.OutboundTls(null,
                client.cert().toString(), otherCa.key().toString(), null)));
        assertEquals("upstream.tls.client_key_file", e.key());
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
        assertEquals("upstream.tls.ca_file", assertThrows(ConfigException.class,
                () -> client(new GatewayConfig.OutboundTls(garbage.toString(), null, null, null))).key());
    }
}
