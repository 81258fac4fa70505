package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product as a new user gets it: the tar.gz unpacked somewhere else, {@code bin/aisix} run
 * from an unrelated directory.
 */
class DistributionSmokeIT {
    private static final Pattern PORTS = Pattern.compile("\\(port (\\d+)\\), admin on .* \\(port (\\d+)\\)");

    @TempDir
    static Path root;
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("aisix.tarball"));
        assertTrue(Files.exists(tarball), "run `mvn package` first: " + tarball);
        run(root, "tar", "-xzf", tarball.toString());
        try (var s = Files.list(root)) {
            home = s.filter(p -> p.getFileName().toString().startsWith("aisix-")).findFirst().orElseThrow();
        }
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    @Test
    void layoutHasBinConfLibAndPluginFolders() {
        assertTrue(Files.isExecutable(home.resolve("bin/aisix")));
        assertTrue(Files.exists(home.resolve("conf/config.yaml")));
        assertTrue(Files.exists(home.resolve("lib/aisix-kernel-0.1.0-SNAPSHOT.jar")));
        assertTrue(Files.exists(home.resolve("lib/aisix-admin-ui-openapi-0.1.0-SNAPSHOT.jar")));
        for (String plugin : List.of("request-id", "auth-api-key", "alias-resolver", "provider-openai",
                "provider-azure-openai", "provider-anthropic", "provider-gemini", "guardrails", "guardrail-keyword",
                "guardrail-pii", "guardrail-webhook", "cache", "cache-redis", "rate-limit", "observe", "exporter-file",
                "exporter-http-log", "exporter-otlp-http")) {
            assertTrue(Files.exists(home.resolve("plugins/" + plugin + "/aisix-plugin-" + plugin + "-0.1.0-SNAPSHOT.jar")),
                    plugin);
        }
    }

    @Test
    void helpWorksFromAnyDirectory() throws Exception {
        String help = run(root, home.resolve("bin/aisix").toString(), "--help");
        assertTrue(help.contains("Usage: aisix [--config FILE]"), help);
    }

    @Test
    void startsFromAnotherDirectoryServesProbesAndStopsOnSigterm() throws Exception {
        Path work = Files.createDirectories(root.resolve("elsewhere"));
        Path conf = work.resolve("my.yaml");
        Files.writeString(conf, "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n");
        Process p = new ProcessBuilder(home.resolve("bin/aisix").toString(), "--config", conf.toString())
                .directory(work.toFile()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            int proxy = -1;
            int admin = -1;
            String adminKey = null;
            String line;
            while (proxy < 0 && (line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("Generated admin key")) {
                    adminKey = line.substring(line.lastIndexOf(' ') + 1);
                }
                Matcher m = PORTS.matcher(line);
                if (m.find()) {
                    proxy = Integer.parseInt(m.group(1));
                    admin = Integer.parseInt(m.group(2));
                }
            }
            assertTrue(proxy > 0, String.join("\n", lines));
            assertTrue(adminKey != null && adminKey.startsWith("aisix-admin-"), "admin key printed once: " + lines);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (int port : new int[] {proxy, admin}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/livez"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
            }
            HttpResponse<String> plugins = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/admin/v1/plugins")).header("Authorization", "Bearer " + adminKey)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, plugins.statusCode());
            assertTrue(plugins.body().contains("\"id\":\"auth-api-key\""), plugins.body());
            // the admin UI jar in lib/ is found on the host class path: admin listener only
            HttpResponse<String> spec = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/admin/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, spec.statusCode());
            assertTrue(spec.body().contains("\"openapi\": \"3.1.0\""), spec.body());
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy + "/playground/"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertTrue(Files.exists(work.resolve("data/store.json")) || Files.exists(work.resolve("data/admin_key.sha256")),
                    "relative data_dir resolves against the working directory");
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badConfigKeyExitsTwoWithOneLine() throws Exception {
        Path conf = root.resolve("bad.yaml");
        Files.writeString(conf, "cache:\n  backend: disk\n");
        Process p = new ProcessBuilder(home.resolve("bin/aisix").toString(), "--config", conf.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertEquals("aisix: cache.backend: must be one of memory, redis (got 'disk')", out);
    }
}
