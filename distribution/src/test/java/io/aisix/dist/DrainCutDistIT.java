package io.aisix.dist;

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
 * SIGTERM while streams are held open past {@code drain_timeout_seconds}: each stream ends with an
 * error event in the caller's protocol and no {@code [DONE]}, its usage event (the access-log
 * line's JSON) says {@code "cut":true}, and the process still exits 0.
 */
@Timeout(90)
class DrainCutDistIT {
    static final String CALLER = "sk-dist-cut-0123456789";

    @TempDir
    Path dir;

    @Test
    void streamsPastTheDrainDeadlineAreCutWithAnErrorEventAndLoggedAsCut() throws Exception {
        try (MockUpstream mock = MockUpstream.start();
             InstalledGateway gw = InstalledGateway.start(dir, """
                     proxy: { addr: 127.0.0.1:0 }
                     admin: { addr: 127.0.0.1:0 }
                     shutdown: { drain_timeout_seconds: 1 }
                     logging: { access_log: true }
                     """)) {
            Path usage = dir.resolve("usage.ndjson");
            assertEquals(201, gw.admin("POST", "/admin/v1/observability_exporters", "{\"name\":\"usage\",\"kind\":"
                    + "\"file\",\"path\":\"" + usage + "\"}").statusCode());
            // written before the alias: once the alias is served, the exporter is in force too
            gw.serveOpenAiModel("s", mock.openAiBase(), CALLER);

            mock.defaultScript(Script.reply("one two three").deltas(3).pauseAfter(2)); // hold after the first delta
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (String path : List.of("/v1/chat/completions", "/v1/chat/completions", "/v1/messages")) {
                String body = path.equals("/v1/messages")
                        ? "{\"model\":\"s\",\"stream\":true,\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                        : "{\"model\":\"s\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                streams.add(gw.proxyAsync(path, CALLER, body, Duration.ofSeconds(60)));
            }
            assertTrue(mock.awaitPaused(3, Duration.ofSeconds(30)), "paused: " + mock.streamsPaused());

            gw.terminate();
            for (int i = 0; i < streams.size(); i++) {
                HttpResponse<String> r = streams.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("event: error"), r.body());
                assertTrue(r.body().contains("stream cut: the gateway is shutting down"), r.body());
                assertFalse(r.body().contains("[DONE]"), r.body());
                if (i == 2) {
                    assertTrue(r.body().contains("\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\""), r.body());
                }
            }
            assertEquals(0, gw.awaitExit(Duration.ofSeconds(30)), gw.stderr());
            // the output is copied from the process's pipes by other threads: wait for its end
            // the usage events (the access-log line is the same JSON) of the three streams, flushed at exit
            String events = java.nio.file.Files.readString(usage);
            assertEquals(3, events.lines().filter(l -> l.contains("\"stream\":true,\"cut\":true")).count(), events);
        }
    }
}
