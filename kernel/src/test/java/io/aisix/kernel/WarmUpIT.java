package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.http.StreamWarmUp;
import io.aisix.kernel.testsupport.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy.warm_up}: on by default, it runs beside the gateway and leaves nothing in its state;
 * off, it never runs.
 */
class WarmUpIT {
    @TempDir
    Path dir;

    private static boolean warmUpRunning() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("aisix-warm-up"));
    }

    private static void awaitWarmUpEnd() throws InterruptedException {
        for (int i = 0; i < 1200 && warmUpRunning(); i++) {
            Thread.sleep(100);
        }
        assertFalse(warmUpRunning(), "the warm-up ends by itself");
    }

    private Gateway start(String proxy) throws Exception {
        Path conf = dir.resolve("config.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0%s }
                admin: { addr: 127.0.0.1:0, admin_keys: [%s] }
                store: { data_dir: %s }
                """.formatted(proxy, TestGateway.ADMIN_KEY, dir.resolve("data")));
        GatewayConfig config = ConfigLoader.load(conf, Map.of());
        return Gateway.start(config, new Gateway.Options(Clock.systemUTC(), null, WarmUpIT.class.getClassLoader(),
                new PrintStream(new ByteArrayOutputStream()), d -> { }));
    }

    @Test
    void leavesNoTraceInMetricsConnectionsOrRequestsInFlight() throws Exception {
        awaitWarmUpEnd(); // none left over from another test
        try (Gateway g = start("")) {
            assertTrue(g.config().proxy().warmUp(), "on by default");
            StreamWarmUp w = g.warmUp().orElseThrow(() -> new AssertionError("started with the gateway"));
            assertTrue(w.await(120_000), "the warm-up ends by itself");
            assertTrue(w.streams() + w.wholeAnswers() > 0, "it ran (the kernel's share: no provider adapter here)");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + g.adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            String metrics = r.body();
            assertFalse(metrics.contains("aisix_requests_total{"), "no request was counted: " + metrics);
            assertTrue(metrics.contains("aisix_in_flight_requests{scope=\"application\",} 0.0"), metrics);
            assertEquals(0, g.openConnections("proxy"), "the proxy listener never saw it");
            assertEquals(0, g.lifecycle().inFlight());
        }
        assertFalse(warmUpRunning());
    }

    @Test
    void offMeansItNeverStarts() throws Exception {
        awaitWarmUpEnd(); // none left over from another test
        try (Gateway g = start(", warm_up: false")) {
            assertFalse(g.config().proxy().warmUp());
            assertTrue(g.warmUp().isEmpty());
            assertFalse(warmUpRunning(), "no warm-up thread");
        }
    }

    @Test
    void aValueThatIsNotABooleanIsRefusedNamingTheKeyAndTheEnvironmentSetsIt() throws Exception {
        Path conf = dir.resolve("bad.yaml");
        Files.writeString(conf, "proxy:\n  warm_up: sometimes\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(conf, Map.of()));
        assertEquals("proxy.warm_up", e.key());
        Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
        assertFalse(ConfigLoader.load(empty, Map.of("AISIX_PROXY__WARM_UP", "false")).proxy().warmUp(),
                "switched off from the environment too");
    }
}
