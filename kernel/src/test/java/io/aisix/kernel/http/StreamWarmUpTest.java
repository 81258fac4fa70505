package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.GatewayConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** The stream warm-up runs its rounds through the real classes on loopback, ends by itself, and can be stopped. */
class StreamWarmUpTest {
    private static StreamWarmUp warmUp(int rounds) {
        return warmUp(rounds, null);
    }

    private static StreamWarmUp warmUp(int rounds, StreamWarmUp.Shadows shadows) {
        return warmUp(rounds, 0, shadows);
    }

    private static StreamWarmUp warmUp(int rounds, int shortRounds, StreamWarmUp.Shadows shadows) {
        return warmUp(rounds, shortRounds, shadows, () -> 0);
    }

    private static StreamWarmUp warmUp(int rounds, int shortRounds, StreamWarmUp.Shadows shadows, IntSupplier callers) {
        GatewayConfig defaults = GatewayConfig.defaults();
        return new StreamWarmUp(defaults.upstream(), new RequestValidator(128, 1000),
                new EndpointRouter(List.of()).route("/v1/chat/completions"), rounds, shortRounds, shadows, callers);
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
        assertEquals(12 / StreamWarmUp.WHOLE_EVERY, w.wholeAnswers(), "one in four a whole answer");
        assertEquals(12 - 12 / StreamWarmUp.WHOLE_EVERY, w.streams(), "every stream read to its [DONE]");
        assertEquals(w.streams() * StreamWarmUp.EVENTS, w.events(), "every event parsed (none of twelve is a long one)");
        assertEquals(0, w.chained(), "no shadow chain: the private server answered");
        assertEquals(12, w.upstreamAnswers());
        assertTrue(w.connections() >= 6, "every other stream on a new connection: " + w.connections());
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void theShortStreamsFollowTheRoundsWithOneEventEach() throws Exception {
        StreamWarmUp w = warmUp(4, 10, null);
        w.start();
        assertTrue(w.await(120_000), "the warm-up ends by itself");
        assertEquals(10, w.shortStreams(), "every short stream read to its [DONE]");
        assertEquals(4 - 4 / StreamWarmUp.WHOLE_EVERY + 10, w.streams(), "the rounds' streams and the short ones");
        assertEquals((4 - 4 / StreamWarmUp.WHOLE_EVERY) * StreamWarmUp.EVENTS + 10, w.events(),
                "one content event in each short stream (max_tokens 1)");
        assertEquals(14, w.upstreamAnswers());
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void eachShortStreamIsOnANewCallerConnection() throws Exception {
        StreamWarmUp w = warmUp(0, 12, null);
        w.start();
        assertTrue(w.await(120_000), "the warm-up ends by itself");
        assertEquals(12, w.shortStreams());
        assertEquals(12, w.callerConnections(), "Connection: close on each");
    }

    @Test
    void aShadowThatCannotBeBuiltLeavesTheKernelsShare() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> asked = new java.util.concurrent.atomic.AtomicReference<>();
        StreamWarmUp w = warmUp(8, base -> {
            asked.set(base);
            throw new IllegalStateException("no openai adapter installed");
        });
        w.start();
        assertTrue(w.await(120_000), "the warm-up ends by itself");
        assertTrue(asked.get().matches("http://127\\.0\\.0\\.1:\\d+/upstream/v1"), asked.get());
        assertEquals(8, w.streams() + w.wholeAnswers(), "every request answered by the private server");
        assertEquals(0, w.chained());
        assertEquals(List.of(), w.filters());
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void aShadowThatFailsARequestIsDroppedAndTheRestRunsWithoutItThenItIsClosed() throws Exception {
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        StreamWarmUp w = warmUp(40, base -> new StreamWarmUp.Shadow() {
            @Override
            public io.helidon.webserver.http.Handler proxy() {
                return (req, res) -> res.status(io.helidon.http.Status.SERVICE_UNAVAILABLE_503).send("{\"error\":{}}");
            }

            @Override
            public String model(int n) {
                return "m";
            }

            @Override
            public String authorization() {
                return "Bearer k";
            }

            @Override
            public String refusedWord() {
                return null;
            }

            @Override
            public List<String> filters() {
                return List.of("f");
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        });
        w.start();
        assertTrue(w.await(120_000), "the warm-up ends by itself");
        int failed = 40 - w.streams() - w.wholeAnswers();
        assertTrue(failed >= 1 && failed <= StreamWarmUp.CONCURRENCY, "only those in flight failed: " + failed);
        assertEquals(failed, w.chained(), "the failed ones went through the shadow, the rest did not");
        assertEquals(1, closed.get(), "closed once, at the end");
    }

    @Test
    void itSendsNothingWhileTheProxyHasRequestsInFlightAndGoesOnAfter() throws Exception {
        AtomicInteger inFlight = new AtomicInteger(1);
        StreamWarmUp w = warmUp(8, 4, null, inFlight::get);
        w.start();
        long until = System.nanoTime() + 10_000_000_000L;
        while (w.pauses() < 4 * StreamWarmUp.CONCURRENCY) {
            assertTrue(System.nanoTime() < until, "its callers wait: " + w.pauses());
            Thread.sleep(5);
        }
        assertEquals(0, w.streams() + w.wholeAnswers(), "nothing sent while a caller's request is in flight");
        assertEquals(0, w.connections(), "not even a connection");
        inFlight.set(0);
        assertTrue(w.await(120_000), "it goes on and ends by itself");
        assertEquals(12, w.streams() + w.wholeAnswers(), "every request, the short streams included");
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void closeStopsItBeforeItsRoundsAreDone() throws Exception {
        StreamWarmUp w = warmUp(1_000_000);
        w.start();
        w.close();
        // well before MAX_MILLIS (30 s), when it would have stopped by itself
        assertTrue(w.await(10_000), "stopped by close");
        assertTrue(w.streams() < StreamWarmUp.ROUNDS, "stopped early: " + w.streams());
        assertTrue(!warmUpThreadsAlive(), "no thread left behind");
    }

    @Test
    void theGatewaysDefaultIsOnAndItsBoundsAreFixed() {
        assertTrue(GatewayConfig.defaults().proxy().warmUp());
        assertNotNull(new EndpointRouter(List.of()).route("/v1/chat/completions"), "the built-in chat endpoint");
        assertTrue(StreamWarmUp.ROUNDS * (StreamWarmUp.EVENTS + StreamWarmUp.LONG_EVENTS / StreamWarmUp.LONG_EVERY)
                + StreamWarmUp.SHORT_ROUNDS <= 40_000 && StreamWarmUp.MAX_MILLIS <= 30_000);
    }
}
