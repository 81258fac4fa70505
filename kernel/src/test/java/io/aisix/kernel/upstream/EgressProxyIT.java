package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.GatewayConfig;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.HttpsUpstream;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.helidon.webserver.WebServer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream client through a real loopback egress proxy ({@link ConnectProxy}): HTTPS upstreams
 * in a CONNECT tunnel with the URL's credentials, plain-HTTP ones in absolute form, NO_PROXY
 * bypassing it, and the failures (dead proxy, refused tunnel) as clear upstream errors.
 */
class EgressProxyIT {
    @TempDir
    static Path dir;
    static HttpsUpstream tlsUpstream;
    static String caPem;
    ConnectProxy proxy;
    Http1UpstreamClient client;

    @BeforeAll
    static void startUpstream() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        caPem = Files.readString(certs.caCert);
        tlsUpstream = HttpsUpstream.start(certs);
    }

    @AfterAll
    static void stopUpstream() {
        if (tlsUpstream != null) {
            tlsUpstream.close();
        }
    }

    @BeforeEach
    void startProxy() {
        proxy = ConnectProxy.start();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        proxy.close();
    }

    private Http1UpstreamClient client(Map<String, String> env) {
        return client(new GatewayConfig.EgressProxy(null, null), env);
    }

    private Http1UpstreamClient client(GatewayConfig.EgressProxy config, Map<String, String> env) {
        client = new Http1UpstreamClient(new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, 0),
                EgressProxies.resolve(config, env::get));
        return client;
    }

    private static UpstreamRequest tlsChat() {
        return new UpstreamRequest("POST", tlsUpstream.base() + "/v1/chat/completions", Headers.of("content-type",
                "application/json"), "{}".getBytes(StandardCharsets.UTF_8), false, Duration.ofSeconds(10),
                Optional.of(caPem), true);
    }

    private static UpstreamRequest post(String url) {
        return new UpstreamRequest("POST", url, Headers.of("content-type", "application/json"),
                "{}".getBytes(StandardCharsets.UTF_8), false, Duration.ofSeconds(10), Optional.empty(), true);
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void httpsUpstreamGoesThroughAConnectTunnelWithTheUrlsCredentials() {
        // the password has a percent-encoded '@' and ':'; the proxy insists on the decoded pair
        proxy.requireCredentials(basic("corp-user:p@ss:word"));
        String url = "http://corp-user:p%40ss%3Aword@127.0.0.1:" + proxy.port();
        Http1UpstreamClient c = client(Map.of("HTTPS_PROXY", url));
        int before = tlsUpstream.calls.get();
        for (int i = 0; i < 3; i++) {
            try (UpstreamResponse r = c.send(tlsChat())) {
                assertEquals(200, r.status());
                assertEquals(HttpsUpstream.ANSWER, new String(r.readAll(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(3, tlsUpstream.calls.get() - before, "every request reached the upstream");
        List<ConnectProxy.Seen> seen = proxy.seen();
        assertEquals(1, seen.size(), "one tunnel, reused from the pool: " + seen);
        String authority = tlsUpstream.base().substring("https://".length());
        assertEquals("CONNECT " + authority + " HTTP/1.1", seen.get(0).requestLine());
        assertEquals(authority, seen.get(0).header("host"));
        assertEquals(basic("corp-user:p@ss:word"), seen.get(0).header("proxy-authorization"));
        assertEquals(1, proxy.connections());
    }

    @Test
    void plainHttpUpstreamIsSentInAbsoluteFormToTheProxy() {
        Http1UpstreamClient c = client(Map.of("http_proxy", "http://u:secret@127.0.0.1:" + proxy.port()));
        // the name is never resolved here: the proxy does that
        try (UpstreamResponse r = c.send(post("http://llm.upstream.invalid:8080/v1/chat/completions?x=1"))) {
            assertEquals(200, r.status());
            assertEquals(ConnectProxy.PLAIN_ANSWER, new String(r.readAll(), StandardCharsets.UTF_8));
        }
        ConnectProxy.Seen seen = proxy.seen().getFirst();
        assertEquals("POST http://llm.upstream.invalid:8080/v1/chat/completions?x=1 HTTP/1.1", seen.requestLine());
        assertEquals("llm.upstream.invalid:8080", seen.header("host"));
        assertEquals(basic("u:secret"), seen.header("proxy-authorization"));
    }

    @Test
    void noProxyAndTheOtherSchemesVariableReachTheUpstreamDirectly() {
        WebServer plain = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.any((req, res) -> res.send("{\"answered_by\":\"upstream\"}"))).build().start();
        try {
            // HTTPS_PROXY only: plain-HTTP upstreams are direct
            Http1UpstreamClient c = client(Map.of("HTTPS_PROXY", proxy.url()));
            try (UpstreamResponse r = c.send(post("http://127.0.0.1:" + plain.port() + "/v1/chat/completions"))) {
                assertEquals(200, r.status());
            }
            c.close();
            // NO_PROXY by CIDR, by address with the upstream's port, and by '*'
            String tlsPort = tlsUpstream.base().substring(tlsUpstream.base().lastIndexOf(':') + 1);
            for (String noProxy : List.of("10.0.0.0/8, 127.0.0.0/8", "example.com,127.0.0.1:" + tlsPort
                    + ", 127.0.0.1:" + plain.port(), "*")) {
                c = client(Map.of("HTTPS_PROXY", proxy.url(), "HTTP_PROXY", proxy.url(), "no_proxy", noProxy));
                try (UpstreamResponse r = c.send(tlsChat())) {
                    assertEquals(200, r.status(), noProxy);
                }
                try (UpstreamResponse r = c.send(post("http://127.0.0.1:" + plain.port() + "/v1/chat/completions"))) {
                    assertEquals(200, r.status(), noProxy);
                    assertEquals("{\"answered_by\":\"upstream\"}", new String(r.readAll(), StandardCharsets.UTF_8), noProxy);
                }
                c.close();
            }
            assertEquals(List.of(), proxy.seen(), "nothing went through the proxy");
            // a NO_PROXY entry for another port does not bypass
            c = client(Map.of("HTTPS_PROXY", proxy.url(), "NO_PROXY", "127.0.0.1:1"));
            try (UpstreamResponse r = c.send(tlsChat())) {
                assertEquals(200, r.status());
            }
            assertEquals(1, proxy.seen().size());
        } finally {
            plain.stop();
        }
    }

    @Test
    void theConfiguredProxyWinsOverTheEnvironment() throws Exception {
        try (ServerSocket dead = new ServerSocket(0)) {
            String deadUrl = "http://127.0.0.1:" + dead.getLocalPort();
            dead.close();
            Http1UpstreamClient c = client(new GatewayConfig.EgressProxy(proxy.url(), null),
                    Map.of("HTTPS_PROXY", deadUrl));
            try (UpstreamResponse r = c.send(tlsChat())) {
                assertEquals(200, r.status());
            }
            assertEquals(1, proxy.seen().size(), "upstream.proxy.url is used, not HTTPS_PROXY");
            c.close();
            c = client(new GatewayConfig.EgressProxy(proxy.url(), List.of("127.0.0.1")), Map.of());
            try (UpstreamResponse r = c.send(tlsChat())) {
                assertEquals(200, r.status());
            }
            assertEquals(1, proxy.seen().size(), "upstream.proxy.no_proxy bypasses");
        }
    }

    @Test
    void aDeadProxyIsAClearUpstreamError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Http1UpstreamClient c = client(Map.of("HTTPS_PROXY", "http://user:topsecret@127.0.0.1:" + port));
        GatewayException e = assertThrows(GatewayException.class, () -> c.send(tlsChat()));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertEquals("egress proxy connection failed", e.getMessage());
    }

    @Test
    void aRefusedTunnelNamesTheProxysStatus() {
        proxy.requireCredentials(basic("right:credentials"));
        Http1UpstreamClient c = client(Map.of("HTTPS_PROXY", "http://wrong:credentials@127.0.0.1:" + proxy.port()));
        GatewayException e = assertThrows(GatewayException.class, () -> c.send(tlsChat()));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertTrue(e.getMessage().contains("HTTP 407"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong"), e.getMessage());
    }

    @Test
    void endToEndTheGatewayReachesAnHttpsProviderThroughHttpsProxyFromTheEnvironment() throws Exception {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://gw:pw@127.0.0.1:" + proxy.port());
        proxy.requireCredentials(basic("gw:pw"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Gateway gw = UpstreamTlsIT.startGateway(dir.resolve("gw"), env::get)) {
            String admin = "http://127.0.0.1:" + gw.adminPort() + "/admin/v1/";
            // the caller key first: the model seen in the snapshot then implies the key (rows apply in order)
            UpstreamTlsIT.post(http, admin + "api_keys", "{\"display_name\": \"caller\", \"key\": \"sk-caller-tls\"}");
            JsonNode pk = UpstreamTlsIT.post(http, admin + "provider_keys", "{\"display_name\": \"tls\", "
                    + "\"provider\": \"test-upstream\", \"api_key\": \"sk-up\", \"api_base\": \""
                    + tlsUpstream.base() + "\", \"tls\": {\"ca_pem\": " + new ObjectMapper().writeValueAsString(caPem)
                    + "}}");
            UpstreamTlsIT.post(http, admin + "models", "{\"display_name\": \"m\", \"provider_key_id\": \""
                    + pk.get("id").asText() + "\", \"model_name\": \"up\"}");
            UpstreamTlsIT.awaitModel(gw, "m");
            String chat = "http://127.0.0.1:" + gw.proxyPort() + "/v1/chat/completions";
            HttpResponse<String> ok = UpstreamTlsIT.chat(http, chat, "m");
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(ok.body().contains("hello over tls"), ok.body());
            String authority = tlsUpstream.base().substring("https://".length());
            assertEquals("CONNECT " + authority + " HTTP/1.1", proxy.seen().getFirst().requestLine());

            proxy.close(); // the proxy goes away, with the pooled tunnel
            HttpResponse<String> down = UpstreamTlsIT.chat(http, chat, "m");
            assertEquals(502, down.statusCode(), down.body());
            assertTrue(down.body().contains("egress proxy"), down.body());
            assertFalse(down.body().contains("pw"), down.body());
        }
    }
}
