package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.RawHttp;
import io.aisix.kernel.testsupport.ScriptedFilterFactory;
import io.aisix.spi.Completion;
import io.aisix.kernel.testsupport.TestGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams still open when the drain deadline passes, or whose upstream fails mid-stream, end with
 * an error event in the caller's protocol and no {@code [DONE]}, instead of a silent close, and
 * their completion says {@code cut} (the access log's and usage event's {@code "cut": true}).
 */
@Timeout(60)
class DrainCutIT {
    @TempDir
    Path dir;
    TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void streamsOpenAtTheDrainDeadlineEndWithAnErrorEvent() throws Exception {
        gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0 }\n", null);
        int port = gw.gateway.proxyPort();
        // 100 events 200 ms apart: 20 s, far past the drain deadline below
        List<CompletableFuture<RawHttp.Exchange>> streams = new java.util.ArrayList<>();
        for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
            streams.add(CompletableFuture.supplyAsync(() -> RawHttp.send(port, RawHttp.post(path,
                    "x-test-script: stream:100:200\r\nConnection: close\r\n", RawHttp.ascii("{}")), Duration.ofSeconds(15)),
                    java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gw.gateway.lifecycle().openStreams() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, gw.gateway.lifecycle().openStreams());

        long start = System.nanoTime();
        assertFalse(gw.gateway.drain(Duration.ZERO, Duration.ofMillis(500)), "the streams outlived the deadline");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "cut streams end within the grace");
        assertEquals(0, gw.gateway.lifecycle().inFlight());

        RawHttp.Exchange openAi = streams.get(0).get(15, TimeUnit.SECONDS);
        assertTrue(openAi.raw().contains("data: {\"n\":0}"), openAi.toString());
        assertTrue(openAi.raw().contains("event: error\ndata: {\"error\":{\"message\":\"stream cut: the gateway is "
                + "shutting down"), openAi.toString());
        assertFalse(openAi.raw().contains("[DONE]"), openAi.toString());
        RawHttp.Exchange anthropic = streams.get(1).get(15, TimeUnit.SECONDS);
        assertTrue(anthropic.raw().contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                + "\"overloaded_error\""), anthropic.toString());
    }

    @Test
    void aStreamWhoseUpstreamFailsMidStreamEndsWithAnErrorEventAndIsMarkedCut() throws Exception {
        gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0 }\n", null);
        ScriptedFilterFactory.FAILED_STREAM_COMPLETIONS.clear();
        RawHttp.Exchange openAi = RawHttp.send(gw.gateway.proxyPort(), RawHttp.post("/v1/chat/completions",
                "x-test-script: stream:3:10:fail\r\nConnection: close\r\n", RawHttp.ascii("{}")), Duration.ofSeconds(15));
        assertTrue(openAi.raw().contains("data: {\"n\":2}"), openAi.toString());
        assertTrue(openAi.raw().contains("event: error\ndata: {\"error\":{\"message\":\"upstream connection reset "
                + "mid-stream\""), openAi.toString());
        assertFalse(openAi.raw().contains("[DONE]"), openAi.toString());

        Completion c = ScriptedFilterFactory.FAILED_STREAM_COMPLETIONS.poll(10, TimeUnit.SECONDS);
        assertTrue(c != null, "no completion");
        assertTrue(c.cut(), c.toString());
        assertFalse(c.completed(), c.toString());
        assertFalse(c.clientDisconnected(), c.toString());
    }
}
