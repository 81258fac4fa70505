package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin author's path end to end (docs/plugins.md): {@code examples/tenant-tag} is built by
 * Maven from outside the reactor (its own pom, offline, against the SPI and testkit this build
 * installed; its contract tests run), its jar is dropped into {@code plugins/tenant-tag/} of the
 * extracted tarball, and the gateway binds its {@code plugins.tenant-tag} section (strictly), serves
 * its resource kind on the Admin API and stamps the configured header on a proxied answer from the
 * mock upstream.
 */
@Timeout(600)
class ExamplePluginDistIT {
    private static final String CALLER = "sk-example-caller-0123456789";

    @TempDir
    Path dir;

    @Test
    void theExamplePluginBuildsOutsideTheReactorAndServesFromPluginsFolder() throws Exception {
        Path jar = buildExample();
        Path home = dir.resolve("home");
        InstalledGateway.Exit copy = InstalledGateway.exec(dir, Duration.ofSeconds(60), "cp", "-a",
                InstalledGateway.home().toString(), home.toString());
        assertEquals(0, copy.code(), copy.toString());
        Path folder = Files.createDirectories(home.resolve("plugins/tenant-tag"));
        Files.copy(jar, folder.resolve(jar.getFileName()));

        String yaml = """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                store: { data_dir: ./data }
                plugins:
                  tenant-tag: { header: x-acme-tenant }
                """;
        // the plugin's own section is bound strictly, before anything starts
        InstalledGateway.Exit misspelt = InstalledGateway.run(home, dir.resolve("misspelt"),
                yaml.replace("header:", "headr:"), Map.of(), Duration.ofSeconds(60));
        assertEquals(2, misspelt.code(), misspelt.toString());
        assertTrue(misspelt.stderr().contains("plugins.tenant-tag.headr"), misspelt.toString());
        try (MockUpstream mock = MockUpstream.start();
             InstalledGateway gw = InstalledGateway.start(home, dir.resolve("run"), yaml, Map.of(), null)) {
            String key = gw.created("/admin/v1/provider_keys", "{\"display_name\":\"openai\",\"provider\":\"openai\","
                    + "\"api_base\":\"" + mock.openAiBase() + "\",\"api_key\":\"sk-up-0123456789\"}");
            gw.created("/admin/v1/models", "{\"display_name\":\"gpt\",\"provider_key_id\":\"" + key
                    + "\",\"model_name\":\"gpt-4o\"}");
            gw.created("/admin/v1/api_keys", "{\"display_name\":\"app\",\"key\":\"" + CALLER + "\"}");

            // the plugin's own kind: validated by its decoder (every problem, with its pointer), then stored
            HttpResponse<String> bad = gw.admin("POST", "/admin/v1/tenant_tags", "{\"key_name\":\"\",\"tag\":\"a b\"}");
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(bad.body().contains("/key_name") && bad.body().contains("/tag"), bad.body());
            String tag = gw.created("/admin/v1/tenant_tags", "{\"key_name\":\"app\",\"tag\":\"acme-eu\"}");
            JsonNode row = Json.mapper().readTree(gw.admin("GET", "/admin/v1/tenant_tags/" + tag, null).body());
            assertEquals("acme-eu", row.at("/value/tag").asText(), row.toString());
            assertTrue(gw.admin("GET", "/admin/v1/tenant_tags", null).body().contains("acme-eu"));

            mock.enqueue(Script.reply("hello"));
            String chat = "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            eventually("the alias and the tag serve", Duration.ofSeconds(15), () -> {
                HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, chat);
                if (r.statusCode() != 200) {
                    mock.reset();
                    mock.enqueue(Script.reply("hello"));
                    return false;
                }
                assertEquals("acme-eu", r.headers().firstValue("x-acme-tenant").orElse(null),
                        "the plugin's header, named in its configuration, on a proxied answer: " + r.headers().map());
                assertTrue(r.body().contains("hello"), r.body());
                return true;
            });
            JsonNode health = Json.mapper().readTree(gw.admin("GET", "/admin/v1/health", null).body());
            assertEquals(0, health.at("/config/plugin_failures").size(), health.toString());
            assertTrue(gw.alive());
        }
    }

    /** {@code mvn -o package} in a copy of examples/tenant-tag, with this build's local repository. */
    private Path buildExample() throws IOException, InterruptedException {
        Path source = Path.of(System.getProperty("aisix.source.root")).resolve("examples/tenant-tag");
        Path project = dir.resolve("tenant-tag");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.filter(p -> !source.relativize(p).startsWith("target")).toList()) {
                Path to = project.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        String mvn = Path.of(System.getProperty("maven.home"), "bin", "mvn").toString();
        List<String> cmd = List.of(mvn, "-B", "-ntp", "-o", "-q",
                "-Dmaven.repo.local=" + System.getProperty("aisix.maven.repo"), "package");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAVEN_OPTS");
        Path log = dir.resolve("example-build.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the example's build did not end in 8 minutes:\n" + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + Files.readString(log, StandardCharsets.UTF_8));
        Path jar = project.resolve("target/tenant-tag-1.0.0.jar");
        assertTrue(Files.isRegularFile(jar), "no " + jar);
        return jar;
    }

}
