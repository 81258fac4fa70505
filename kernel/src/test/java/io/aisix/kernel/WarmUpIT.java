package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code proxy.warm_up}: on by default, it runs beside the gateway and leaves nothing in its state; off, it never runs. */
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

    @Test
    void leavesNoTraceInMetricsConnectionsOrRequestsInFlight() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, "", null)) {
            assertTrue(gw.gateway.config().proxy().warmUp(), "on by default");
            awaitWarmUpEnd();
            String metrics = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics")))).body();
            assertFalse(metrics.contains("aisix_requests_total{"), "no request was counted: " + metrics);
            assertTrue(metrics.contains("aisix_in_flight_requests{scope=\"application\",} 0.0"), metrics);
            assertEquals(0, gw.gateway.openConnections("proxy"), "the proxy listener never saw it");
            assertEquals(0, gw.gateway.lifecycle().inFlight());
        }
        assertFalse(warmUpRunning());
    }

    @Test
    void offMeansItNeverStarts() throws Exception {
        Path conf = dir.resolve("config.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0, warm_up: false }
                admin: { enabled: false }
                store: { data_dir: %s }
                """.formatted(dir.resolve("data")));
        GatewayConfig config = ConfigLoader.load(conf, Map.of());
        awaitWarmUpEnd(); // none left over from another test
        try (Gateway g = Gateway.start(config, new Gateway.Options(Clock.systemUTC(), null,
                WarmUpIT.class.getClassLoader(), new PrintStream(new ByteArrayOutputStream()), d -> { }))) {
            assertFalse(config.proxy().warmUp());
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
