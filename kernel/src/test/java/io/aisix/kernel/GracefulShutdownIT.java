package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real gateway process while a slow stream is in flight: the probes turn 503 at
 * once, the stream still completes, and the process exits 0.
 */
class GracefulShutdownIT {
    /** Main's start-up lines: one per listener, the store's last. */
    private static final Pattern LISTENER = Pattern.compile("^aisix \\S+ (proxy|admin) listening on .* \\(port (\\d+)\\)$");

    @TempDir
    Path dir;

    @Test
    void sigtermDrainsInFlightStreamsAndExitsZero() throws Exception {
        Path conf = dir.resolve("config.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0, admin_keys: [k-0123456789] }
                store: { data_dir: %s }
                shutdown: { drain_timeout_seconds: 20 }
                """.formatted(dir.resolve("data")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.aisix.kernel.Main", "--config", conf.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int proxyPort = -1;
            int adminPort = -1;
            List<String> lines = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                String line = out.readLine();
                if (line == null) {
                    break;
                }
                lines.add(line);
                Matcher m = LISTENER.matcher(line);
                if (m.matches()) {
                    int port = Integer.parseInt(m.group(2));
                    if (m.group(1).equals("proxy")) {
                        proxyPort = port;
                    } else {
                        adminPort = port;
                    }
                }
                if (line.contains(" store ")) {
                    break;
                }
            }
            assertTrue(proxyPort > 0 && adminPort > 0, "gateway did not start: " + lines);
            CompletableFuture.runAsync(() -> drain(out));

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            // 20 events 100 ms apart: about 2 s of stream
            HttpRequest slow = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/v1/chat/completions"))
                    .header("x-test-script", "stream:20:100").POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .timeout(Duration.ofSeconds(30)).build();
            HttpResponse<InputStream> stream = http.send(slow, HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, stream.statusCode());
            BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertEquals("data: {\"n\":0}", events.readLine(), "first event before the signal");

            p.destroy(); // SIGTERM

            int livez = 0;
            for (int i = 0; i < 50 && livez != 503; i++) {
                livez = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/livez"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                Thread.sleep(20);
            }
            assertEquals(503, livez, "/livez during the drain");

            StringBuilder rest = new StringBuilder();
            String line;
            while ((line = events.readLine()) != null) {
                rest.append(line).append('\n');
            }
            assertTrue(rest.toString().contains("data: {\"n\":19}"), rest.toString());
            assertTrue(rest.toString().endsWith("data: [DONE]\n\n"), rest.toString());
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "process did not exit");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badConfigKeyExitsWithCodeTwoAndOneLine() throws Exception {
        Path conf = dir.resolve("bad.yaml");
        Files.writeString(conf, "proxy:\n  adress: 127.0.0.1:0\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.aisix.kernel.Main", "--config", conf.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertEquals("aisix: proxy.adress: unknown key", output.strip());
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keep the pipe from filling up
            }
        } catch (java.io.IOException ignored) {
            // the process ended
        }
    }
}
