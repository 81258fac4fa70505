package io.aisix.adminui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.TestGateway;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension mounted by a real gateway (found by ServiceLoader on the class path): what the
 * admin listener serves, what the proxy listener does not, and the forwarder's gatekeeping.
 */
@Timeout(60)
class AdminUiIT {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(dir, "", null);
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static HttpResponse<String> get(String url, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b);
    }

    @Test
    void theDocumentIsServedAsBundled() throws Exception {
        HttpResponse<String> r = get(gw.admin(AdminUiExtension.OPENAPI));
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        assertArrayEquals(Assets.read(AdminUiExtension.SPEC_RESOURCE), r.body().getBytes(StandardCharsets.UTF_8));
        assertEquals("3.1.0", AdminUiExtension.JSON.readTree(r.body()).get("openapi").asText());
    }

    @Test
    void pagesCarryAStrictContentSecurityPolicy() {
        for (String path : List.of("/admin/ui/", "/admin/ui", "/admin/console/", "/admin/console", "/playground/", "/playground")) {
            HttpResponse<String> r = get(gw.admin(path));
            assertEquals(200, r.statusCode(), path);
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"), path);
            String csp = r.headers().firstValue("content-security-policy").orElse("");
            assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                    && csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
            assertEquals("nosniff", r.headers().firstValue("x-content-type-options").orElse(""));
            // everything the page loads is bundled: no absolute URL to another host
            assertFalse(r.body().contains("http://") || r.body().contains("https://") || r.body().contains("//cdn"), path);
        }
    }

    @Test
    void assetsAreServedByNameOnly() {
        assertEquals("text/javascript; charset=utf-8",
                get(gw.admin("/admin/ui/assets/playground.js")).headers().firstValue("content-type").orElse(""));
        assertEquals("text/css; charset=utf-8",
                get(gw.admin("/admin/ui/assets/ui.css")).headers().firstValue("content-type").orElse(""));
        for (String bad : List.of("/admin/ui/assets/nope.js", "/admin/ui/assets/..%2Fopenapi%2Faisix.json",
                "/admin/ui/assets/%2E%2E/%2E%2E/META-INF/MANIFEST.MF", "/admin/ui/assets/")) {
            HttpResponse<String> r = get(gw.admin(bad));
            assertEquals(404, r.statusCode(), bad);
            assertFalse(r.body().contains("openapi\""), bad);
        }
    }

    @Test
    void uiConfigNamesTheProxyPortAndHoldsNoSecret() throws Exception {
        HttpResponse<String> r = get(gw.admin(AdminUiExtension.UI_CONFIG));
        assertEquals(200, r.statusCode());
        JsonNode cfg = AdminUiExtension.JSON.readTree(r.body());
        assertEquals(gw.gateway.proxyPort(), cfg.at("/proxy/port").asInt());
        assertEquals("http", cfg.at("/proxy/scheme").asText());
        assertEquals("/playground/api", cfg.get("playground_api").asText());
        assertFalse(r.body().contains(TestGateway.ADMIN_KEY));
    }

    @Test
    void noneOfTheseAnswerOnTheProxyListener() {
        for (String path : List.of("/admin/openapi.json", "/admin/ui/", "/admin/ui", "/admin/ui/assets/ui.css",
                "/admin/ui-config.json", "/admin/console/", "/playground/", "/playground", "/playground/api/v1/models")) {
            HttpResponse<String> r = get(gw.proxy(path), "x-aisix-admin-key", TestGateway.ADMIN_KEY);
            assertEquals(404, r.statusCode(), path);
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), path);
            assertFalse(r.body().contains("openapi\"") || r.body().contains("<html"), path);
        }
    }

    @Test
    void withoutAnAdminListenerNothingIsMounted(@TempDir Path other) throws Exception {
        Path conf = other.resolve("config.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { enabled: false }
                store: { data_dir: %s }
                """.formatted(other.resolve("data")));
        GatewayConfig config = ConfigLoader.load(conf, Map.of());
        // the extension is on this class path, as in lib/; with no admin listener it is never mounted
        try (Gateway g = Gateway.start(config, new Gateway.Options(Clock.systemUTC(), null,
                AdminUiIT.class.getClassLoader(), new PrintStream(OutputStream.nullOutputStream()), d -> { }))) {
            assertEquals(-1, g.adminPort());
            for (String path : List.of("/admin/openapi.json", "/admin/ui/", "/playground/", "/admin/ui-config.json")) {
                HttpResponse<String> r = get("http://127.0.0.1:" + g.proxyPort() + path);
                assertEquals(404, r.statusCode(), path);
            }
        }
    }

    @Test
    void theForwarderNeedsAnAdminKey() throws Exception {
        for (String[] headers : List.of(new String[0], new String[] {"x-aisix-admin-key", "wrong-admin-key-000"},
                // the standard admin headers do not count: they carry the caller key here
                new String[] {"authorization", "Bearer " + TestGateway.ADMIN_KEY})) {
            HttpResponse<String> r = get(gw.admin("/playground/api/v1/models"), headers);
            assertEquals(401, r.statusCode());
            assertTrue(AdminUiExtension.JSON.readTree(r.body()).has("error_msg"));
        }
    }

    @Test
    void theForwarderForwardsProxyEndpointsOnly() {
        HttpResponse<String> direct = get(gw.proxy("/v1/models"), "authorization", "Bearer sk-whatever-123");
        HttpResponse<String> forwarded = get(gw.admin("/playground/api/v1/models"), "authorization", "Bearer sk-whatever-123",
                "x-aisix-admin-key", TestGateway.ADMIN_KEY);
        assertEquals(direct.statusCode(), forwarded.statusCode());
        assertTrue(forwarded.headers().firstValue("x-aisix-request-id").isPresent(), forwarded.headers().toString());
        assertEquals(direct.headers().firstValue("content-type"), forwarded.headers().firstValue("content-type"));
        for (String path : List.of("/playground/api/admin/v1/health", "/playground/api/livez", "/playground/api/v1/other",
                "/playground/api/v1/models/../../admin/v1/health")) {
            HttpResponse<String> r = get(gw.admin(path), "x-aisix-admin-key", TestGateway.ADMIN_KEY);
            assertEquals(404, r.statusCode(), path);
            assertFalse(r.body().contains("\"status\""), path);
        }
    }
}
