package io.aisix.adminui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.admin.AdminExtension;
import io.aisix.kernel.admin.AdminRoutes;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.spi.Endpoint;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder's outage and TLS paths: a proxy listener that cannot be reached, and a TLS proxy
 * listener reached over loopback by pinning its own certificate (and refused when it differs).
 */
@Timeout(60)
class PlaygroundForwarderIT {
    private static final String KEY = "forwarder-admin-key-0001";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private static AdminExtension.Context context(URI proxy, Optional<Path> cert) {
        return new AdminExtension.Context() {
            @Override
            public boolean authorized(ServerRequest request) {
                return false;
            }

            @Override
            public boolean isAdminKey(String key) {
                return KEY.equals(key);
            }

            @Override
            public URI proxyUri() {
                return proxy;
            }

            @Override
            public Optional<Path> proxyCertificate() {
                return cert;
            }

            @Override
            public List<AdminRoutes.Route> adminRoutes() {
                return AdminRoutes.ROUTES;
            }

            @Override
            public boolean isProxyEndpoint(String path) {
                return Endpoint.builtIn().stream().anyMatch(e -> e.matches(path));
            }
        };
    }

    /** Serves only the forwarder on a random loopback port, in front of {@code proxy}. */
    private HttpResponse<String> forward(URI proxy, Optional<Path> cert) throws Exception {
        try (PlaygroundForwarder f = new PlaygroundForwarder(context(proxy, cert))) {
            WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.any(PlaygroundForwarder.PREFIX + "/{+path}", f)).build().start();
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                                + "/playground/api/v1/chat/completions"))
                        .header(PlaygroundForwarder.ADMIN_KEY_HEADER, KEY).header("authorization", "Bearer sk-x-123456")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
            } finally {
                server.stop();
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void anUnreachableProxyListenerIsA502InTheAdminEnvelope() throws Exception {
        HttpResponse<String> r = forward(URI.create("http://127.0.0.1:" + freePort()), Optional.empty());
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains("\"error_msg\":\"the proxy listener could not be reached"), r.body());
        assertTrue(!r.body().contains("sk-x-123456"), "the caller key is never echoed");
    }

    @Test
    void aTlsProxyListenerIsReachedByPinningItsOwnCertificate() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        TestCerts other = TestCerts.create(dir.resolve("other"));
        String tls = "{ cert_file: " + certs.serverCert + ", key_file: " + certs.serverKey + " }";
        try (TestGateway gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, tls: " + tls + " }\n", null)) {
            HttpResponse<String> cfg = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/ui-config.json"))));
            assertTrue(cfg.body().contains("\"scheme\":\"https\""), cfg.body());

            // through the gateway's own forwarder: same answer as a direct HTTPS call
            HttpClient trusting = HttpClient.newBuilder().sslContext(certs.clientContext()).build();
            HttpResponse<String> direct = trusting.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                    + gw.gateway.proxyPort() + "/v1/models")).header("authorization", "Bearer sk-x-123456").build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> forwarded = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/playground/api/v1/models")))
                    .header("authorization", "Bearer sk-x-123456")
                    .header(PlaygroundForwarder.ADMIN_KEY_HEADER, TestGateway.ADMIN_KEY));
            assertEquals(direct.statusCode(), forwarded.statusCode(), forwarded.body());
            assertTrue(forwarded.headers().firstValue("x-aisix-request-id").isPresent());

            // a listener presenting any other certificate is refused, CA or not
            URI proxy = URI.create("https://127.0.0.1:" + gw.gateway.proxyPort());
            HttpResponse<String> refused = forward(proxy, Optional.of(other.serverCert));
            assertEquals(502, refused.statusCode(), refused.body());
            HttpResponse<String> pinned = forward(proxy, Optional.of(certs.serverCert));
            assertTrue(pinned.headers().firstValue("x-aisix-request-id").isPresent(), "reached the proxy: " + pinned.body());
        }
    }
}
