package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while 50 streams are open, as docs/deployment.md (Shutdown) describes: {@code /livez}
 * turns 503 at once (the streams still open), every stream then finishes to its last event, and
 * the process exits 0. Answers during the drain carry {@code Connection: close}; the log says
 * {@code drain complete} once the last stream ended.
 */
@Timeout(120)
class DrainDistIT {
    static final int STREAMS = 50;
    static final String CALLER = "sk-dist-drain-0123456789";

    @TempDir
    Path dir;

    @Test
    void sigtermWithOpenStreamsFailsLivezAtOnceFinishesThemAndExitsZero() throws Exception {
        try (MockUpstream mock = MockUpstream.start();
             InstalledGateway gw = InstalledGateway.start(dir, """
                     proxy: { addr: 127.0.0.1:0 }
                     admin: { addr: 127.0.0.1:0 }
                     shutdown: { drain_timeout_seconds: 60 }
                     logging: { access_log: false }
                     """)) {
            gw.serveOpenAiModel("s", mock.openAiBase(), CALLER);

            mock.defaultScript(Script.reply("one two three").deltas(3).pauseAfter(2)); // role chunk, first delta, hold
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                streams.add(gw.proxyAsync("/v1/chat/completions", CALLER, "{\"model\":\"s\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", Duration.ofSeconds(90)));
            }
            assertTrue(mock.awaitPaused(STREAMS, Duration.ofSeconds(30)), "paused: " + mock.streamsPaused());

            gw.signal("TERM"); // not Process.destroy(): it closes the pipes, and the log is read below
            eventually("/livez fails once the drain began", Duration.ofSeconds(2),
                    () -> gw.get("proxy", "/livez").statusCode() == 503);
            HttpResponse<String> readyz = gw.get("proxy", "/readyz");
            assertEquals(503, readyz.statusCode());
            // every answer during the drain tells keep-alive callers to go elsewhere
            assertEquals("close", readyz.headers().firstValue("connection").orElse(""), readyz.headers().toString());
            HttpResponse<String> models = gw.proxy("GET", "/v1/models", CALLER, null);
            assertEquals(200, models.statusCode());
            assertEquals("close", models.headers().firstValue("connection").orElse(""), models.headers().toString());
            assertFalse(gw.stderr().contains("drain complete"), "streams are still open");
            assertEquals(0, mock.streamsCompleted(), "the streams are still open");
            assertTrue(gw.alive(), "the process waits for them");

            mock.resume();
            for (CompletableFuture<HttpResponse<String>> f : streams) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("three") && r.body().strip().endsWith("data: [DONE]"), r.body());
            }
            assertEquals(STREAMS, mock.streamsCompleted());
            assertEquals(0, gw.awaitExit(Duration.ofSeconds(30)), gw.stderr());
            // logged once the last stream ended (it was not there while they were open), before the exit
            try {
                eventually("drain complete in the log", Duration.ofSeconds(10),
                        () -> gw.stderr().contains("drain complete: no request in flight"));
            } catch (AssertionError e) {
                throw new AssertionError("stderr:\n" + gw.stderr() + "\nstdout:\n" + gw.stdout(), e);
            }
        }
    }
}
