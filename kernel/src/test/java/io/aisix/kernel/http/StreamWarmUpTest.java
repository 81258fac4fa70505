package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.GatewayConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stream warm-up runs its rounds through the real classes on loopback, ends by itself, and can be stopped. */
class StreamWarmUpTest {
    private static StreamWarmUp warmUp(int rounds) {
        GatewayConfig defaults = GatewayConfig.defaults();
        return new StreamWarmUp(defaults.upstream(), new RequestValidator(128, 1000),
                new EndpointRouter(List.of()).route("/v1/chat/completions"), rounds);
    }

    private static boolean warmUpThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("aisix-warm-up"));
    }

    @Test
    void runsEveryRoundToItsEndAndStops() throws Exception {
        StreamWarmUp w = warmUp(12);
        w.start();
        assertTrue(w.await(120_000), "the warm-up ends by itself");
        assertEquals(12, w.streams(), "every stream read to its [DONE]");
        assertEquals(12 * StreamWarmUp.EVENTS, w.events(), "every event parsed");
        assertTrue(w.connections() >= 6, "every other stream on a new connection: " + w.connections());
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void closeStopsItBeforeItsRoundsAreDone() throws Exception {
        StreamWarmUp w = warmUp(1_000_000);
        w.start();
        w.close();
        assertTrue(w.await(120_000), "stopped by close");
        assertTrue(w.streams() < 1_000_000);
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void theGatewaysDefaultIsOnAndItsBoundsAreFixed() {
        assertTrue(GatewayConfig.defaults().proxy().warmUp());
        assertNotNull(new EndpointRouter(List.of()).route("/v1/chat/completions"), "the built-in chat endpoint");
        assertTrue(StreamWarmUp.ROUNDS * StreamWarmUp.EVENTS <= 20_000 && StreamWarmUp.MAX_MILLIS <= 30_000);
    }
}
