package io.aisix.kernel.managed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.upstream.DeploymentTls;
import io.aisix.kernel.upstream.EgressProxies;
import io.aisix.kernel.upstream.SideCallClient;
import io.aisix.testkit.LogCapture;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** Failure logging of the heartbeat, on a clock the test moves: once a minute, with the suppressed count. */
class HeartbeatTest {

    @Test
    void failuresAreLoggedAtMostOnceAMinuteWithTheCountInBetween() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        // nothing listens on this port: every heartbeat fails fast with a refused connection
        URI closed = URI.create("https://127.0.0.1:" + LocalProcesses.freePort());
        GatewayConfig.Upstream upstream = new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, 0);
        try (LogCapture logs = LogCapture.of(Heartbeat.class.getName());
             SideCallClient client = new SideCallClient(upstream, EgressProxies.NONE, new DeploymentTls(upstream.tls()));
             Heartbeat hb = new Heartbeat(closed, client, SSLContext.getDefault(), Duration.ofSeconds(1), "gw-1", "e1",
                     "dev",
                () -> new Heartbeat.Status(7, "ok", true), Clock.systemUTC(), nanos::get)) {
            for (int i = 0; i < 5; i++) {
                hb.beatOnce();
                nanos.addAndGet(Duration.ofSeconds(25).toNanos());
            }
            // beats at 0 s, 25 s, 50 s, 75 s, 100 s: logged at 0 and 75 (60 s later), the rest suppressed
            List<String> warnings = logs.messages(Level.WARNING);
            assertEquals(2, warnings.size(), warnings.toString());
            assertTrue(warnings.get(1).contains("(2 more failures since the last report)"), warnings.get(1));
            assertTrue(warnings.get(0).contains("ConnectException"), warnings.get(0));
            assertEquals(5, hb.failed());
            assertEquals(0, hb.sent());
        }
    }
}
