package io.aisix.kernel.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code /metrics} is served: admin listener by default, the metrics listener when set, never the proxy. */
class MetricsEndpointIT {
    @TempDir
    Path dir;

    private static HttpResponse<String> get(TestGateway gw, String url) {
        return gw.send(HttpRequest.newBuilder(URI.create(url)));
    }

    @Test
    void servedUnauthenticatedOnTheAdminListenerAndNeverOnTheProxy() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, "", null)) {
            HttpResponse<String> r = get(gw, gw.admin("/metrics"));
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertTrue(r.body().contains("# TYPE aisix_config_revision gauge"), r.body());
            assertTrue(r.body().contains("aisix_config_source_connected"), r.body());
            assertTrue(r.body().contains("aisix_in_flight_requests"), r.body());
            assertTrue(r.body().contains("aisix_config_rejected_rows{kind=\"models\""), r.body());
            assertEquals(404, get(gw, gw.proxy("/metrics")).statusCode());
        }
    }

    @Test
    void aDedicatedListenerTakesItOverFromTheAdminListener() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, "metrics: { addr: 127.0.0.1:0, path: /prom }\n", null)) {
            int port = gw.gateway.metricsPort();
            assertTrue(port > 0);
            HttpResponse<String> r = get(gw, "http://127.0.0.1:" + port + "/prom");
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("aisix_config_revision"));
            assertEquals(200, get(gw, "http://127.0.0.1:" + port + "/readyz").statusCode());
            assertEquals(404, get(gw, gw.admin("/prom")).statusCode());
            assertEquals(404, get(gw, gw.proxy("/prom")).statusCode());
        }
    }

    @Test
    void disabledMetricsAreServedNowhere() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, "metrics: { enabled: false, addr: 127.0.0.1:0 }\n", null)) {
            assertTrue(gw.gateway.metricsPort() <= 0, "no metrics listener");
            assertEquals(404, get(gw, gw.admin("/metrics")).statusCode());
        }
        Path aisix = dir.resolve("aisix");
        Files.createDirectories(aisix);
        try (TestGateway gw = TestGateway.start(aisix, "observability: { metrics: { prometheus: { enabled: false } } }\n",
                null)) {
            assertEquals(404, get(gw, gw.admin("/metrics")).statusCode(), "AISIX's spelling means the same");
        }
    }

    @Test
    void aRelativePathIsAStartupError() throws Exception {
        Path other = dir.resolve("o");
        Files.createDirectories(other);
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> TestGateway.start(other, "metrics: { path: metrics }\n", null));
        assertEquals("metrics.path", e.key());
    }
}
