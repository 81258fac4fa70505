package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped gateway's start-up warm-up ({@code proxy.warm_up}, on by default) with the plugins
 * from {@code plugins/}, each in its own class loader: every request of it runs through the
 * plugins' chain (its FINE summary line says how many, through which filters), and nothing else of
 * it shows: no other log line (no access-log line, warning or error), no metric series.
 * While a caller's request is in flight it sends nothing (it gives way), and goes on after.
 */
@Timeout(180)
class WarmUpDistIT {
    private static final Pattern DONE = Pattern.compile("warm-up done: (\\d+) streams, (\\d+) whole answers, "
            + "(\\d+) refused, \\d+ events, (\\d+) through \\[(.*)], (\\d+) of the streams short, "
            + "(\\d+) pauses");

    @TempDir
    Path dir;

    /** A copy of the installation whose warm-up logs its FINE summary, started on the embedded store. */
    private InstalledGateway start() throws Exception {
        Path home = dir.resolve("home");
        InstalledGateway.Exit copy = InstalledGateway.exec(dir, Duration.ofSeconds(60), "cp", "-a",
                InstalledGateway.home().toString(), home.toString());
        assertEquals(0, copy.code(), copy.toString());
        // the warm-up's summary is logged at FINE (logging.level: debug); Helidon's and the others'
        // loggers stay at INFO here so that the output stays short
        Files.writeString(home.resolve("conf/logging.properties"), "\nio.aisix.level=INFO\n"
                + "io.aisix.kernel.http.StreamWarmUp.level=FINE\n", StandardOpenOption.APPEND);
        Path run = Files.createDirectories(dir.resolve("run"));
        return InstalledGateway.start(home, run, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                store: { data_dir: ./data }
                logging: { level: debug }
                """, Map.of(), null);
    }

    /** The warm-up's summary line, once it has ended. */
    private static Matcher summary(InstalledGateway gw) {
        InstalledGateway.eventually("the warm-up's summary", Duration.ofSeconds(120),
                () -> DONE.matcher(gw.stdout() + gw.stderr()).find());
        Matcher m = DONE.matcher(gw.stdout() + gw.stderr());
        assertTrue(m.find());
        return m;
    }

    @Test
    void runsThroughThePluginsChainFromTheirFoldersAndShowsNothingElse() throws Exception {
        try (InstalledGateway gw = start()) {
            Matcher m = summary(gw);
            String output = gw.stdout() + gw.stderr();
            int requests = Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3));
            assertTrue(requests > 64, output);
            assertEquals(requests, Integer.parseInt(m.group(4)), "every request through the plugins' chain: " + output);
            assertTrue(Integer.parseInt(m.group(3)) > 0, "the guardrail refused some: " + output);
            assertTrue(Integer.parseInt(m.group(6)) > 0, "short streams (one per new connection) after the rounds: "
                    + output);
            for (String id : List.of("observe", "auth-api-key", "alias-resolver", "rate-limit", "guardrails:input",
                    "cache")) {
                assertTrue(m.group(5).contains(id), id + ": " + output);
            }
            // no access-log line, warning or error (text lines: "<time> <LEVEL> <logger>: <message>")
            for (String line : output.lines().toList()) {
                for (String mark : List.of(" aisix.access:", " WARNING ", " SEVERE ", "aisix-warm-up")) {
                    assertFalse(line.contains(mark), "a line of the warm-up: " + line + "\n" + output);
                }
            }
            String metrics = gw.get("admin", "/metrics").body();
            assertFalse(metrics.contains("aisix_requests_total{"), metrics);
            assertFalse(metrics.contains("warm_up"), "no series of the warm-up's detached metrics: " + metrics);
            assertFalse(metrics.contains("aisix_cache_requests_total{"), metrics);
            assertFalse(metrics.contains("aisix_tokens_total{"), metrics);

            // the checks above can see: a real request is logged and counted where the warm-up's were not
            try (MockUpstream mock = MockUpstream.start()) {
                gw.serveOpenAiModel("m", mock.openAiBase(), "sk-warm-up-dist-caller-0123");
                HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", "sk-warm-up-dist-caller-0123",
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertEquals(200, r.statusCode(), r.body());
                InstalledGateway.eventually("the real request's access-log line and metric", Duration.ofSeconds(10),
                        () -> (gw.stdout() + gw.stderr()).contains(" aisix.access:")
                                && gw.get("admin", "/metrics").body().contains("aisix_requests_total{"));
            }
        }
    }

    @Test
    void givesWayWhileACallersStreamIsInFlight() throws Exception {
        try (InstalledGateway gw = start(); MockUpstream mock = MockUpstream.start()) {
            gw.serveOpenAiModel("m", mock.openAiBase(), "sk-warm-up-dist-caller-0123");
            mock.enqueue(Script.reply("held open after its first event").pauseAfter(1));
            CompletableFuture<HttpResponse<String>> stream = CompletableFuture.supplyAsync(() -> gw.proxy("POST",
                    "/v1/chat/completions", "sk-warm-up-dist-caller-0123",
                    "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
            assertTrue(mock.awaitPaused(1, Duration.ofSeconds(30)), "the caller's stream is open");
            assertFalse(DONE.matcher(gw.stdout() + gw.stderr()).find(), "still warming up while the stream is open");
            Thread.sleep(500); // its callers look every 5 ms while the stream stays open
            mock.resume();
            HttpResponse<String> r = stream.get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("[DONE]"), r.body());
            Matcher m = summary(gw);
            assertTrue(Integer.parseInt(m.group(7)) > 0, "its callers paused for the stream: " + m.group());
            assertTrue(Integer.parseInt(m.group(6)) > 0, "and went on to the short streams after it: " + m.group());
        }
    }
}
