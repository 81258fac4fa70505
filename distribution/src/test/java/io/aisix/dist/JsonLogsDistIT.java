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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logging.format: json} through the tarball: after the start-up lines, every line the
 * process writes on stdout and stderr (kernel, plugins, Helidon, the access log, the drain at
 * SIGTERM) is one JSON object; access-log lines carry their fields as fields; a message with line
 * breaks and quotes stays one line.
 */
@Timeout(120)
class JsonLogsDistIT {
    private static final String APP_KEY = "sk-app-key-0123456789abcdef";
    private static final String RESOURCES = """
            _format_version: "1"
            provider_keys:
              - { display_name: openai, provider: openai, api_key: sk-openai-0123456789abcd, api_base: "%s" }
            models:
              - { display_name: gpt-4o, provider_key: openai, model_name: gpt-4o }
            api_keys:
              - { display_name: app, key_env: APP_KEY, allowed_models: ["*"] }
            """;

    private static final String YAML = """
            proxy: { addr: 127.0.0.1:0 }
            admin: { addr: 127.0.0.1:0 }
            store: { data_dir: ./data }
            resources_file: resources.yaml
            logging: { format: json }
            """;

    @TempDir
    Path dir;

    /** One proxied chat completion; its request id. */
    private static String chat(InstalledGateway gw, MockUpstream mock) {
        mock.enqueue(Script.reply("hello"));
        HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", APP_KEY,
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("x-aisix-request-id").orElseThrow();
    }

    @Test
    void anAccessLogFileConfiguredInLoggingPropertiesIsJsonToo() throws Exception {
        Path home = dir.resolve("home");
        InstalledGateway.Exit copy = InstalledGateway.exec(dir, Duration.ofSeconds(60), "cp", "-a",
                InstalledGateway.home().toString(), home.toString());
        assertEquals(0, copy.code(), copy.toString());
        Path accessLog = dir.resolve("access.log");
        // as docs/deployment.md shows it, with the text formatter: logging.format: json overrides it
        Files.writeString(home.resolve("conf/logging.properties"), """
                aisix.access.handlers=java.util.logging.FileHandler
                aisix.access.useParentHandlers=false
                java.util.logging.FileHandler.pattern=%s
                java.util.logging.FileHandler.formatter=io.aisix.kernel.logging.LogLineFormatter
                """.formatted(accessLog), StandardOpenOption.APPEND);
        try (MockUpstream mock = MockUpstream.start()) {
            Path run = Files.createDirectories(dir.resolve("run"));
            Files.writeString(run.resolve("resources.yaml"), RESOURCES.formatted(mock.openAiBase()));
            try (InstalledGateway gw = InstalledGateway.start(home, run, YAML, Map.of("APP_KEY", APP_KEY), null)) {
                String requestId = chat(gw, mock);
                eventually("the access-log file's line", Duration.ofSeconds(15),
                        () -> Files.exists(accessLog) && readQuietly(accessLog).contains(requestId));
                List<JsonNode> lines = parseEvery(Files.readString(accessLog), "access.log");
                assertEquals(1, lines.size(), lines.toString());
                assertEquals("aisix.access", lines.getFirst().get("logger").asText());
                assertEquals(200, lines.getFirst().get("status").asInt());
                assertTrue(lines.getFirst().get("status").isInt(), lines.toString());
                assertTrue(gw.stderr().lines().noneMatch(l -> l.contains(requestId)),
                        "the access log goes to its file only: " + gw.stderr());
                parseEvery(gw.stderr(), "stderr");
            }
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void everyLineAfterStartUpIsOneJsonObject() throws Exception {
        List<JsonNode> lines;
        String stdout;
        try (MockUpstream mock = MockUpstream.start()) {
            Path resources = Files.writeString(dir.resolve("resources.yaml"), RESOURCES.formatted(mock.openAiBase()));
            try (InstalledGateway gw = InstalledGateway.start(dir, YAML, Map.of("APP_KEY", APP_KEY), null)) {
                String requestId = chat(gw, mock);
                eventually("the access-log line", Duration.ofSeconds(15),
                        () -> gw.stderr().contains("\"request_id\":\"" + requestId + "\""));

                // a refused reload: a message of several lines, with quotes from the file
                Files.writeString(resources, RESOURCES.formatted(mock.openAiBase())
                        .replace("provider_key: openai", "provider_key: 'say \"nobody\"'"));
                gw.signal("HUP");
                eventually("the refusal is logged", Duration.ofSeconds(15), () -> gw.stderr().contains("rejected"));
                gw.assertNoJdkWarnings();
                gw.signal("TERM"); // not Process.destroy(): it closes the pipes, and the drain's lines are read below
                assertEquals(0, gw.awaitExit(Duration.ofSeconds(60)));
                eventually("the drain's line is read", Duration.ofSeconds(10), () -> gw.stderr().contains("draining"));
                stdout = gw.stdout();
                lines = parseEvery(gw.stderr(), "stderr");
                JsonNode access = lines.stream().filter(l -> l.path("logger").asText().equals("aisix.access"))
                        .findFirst().orElseThrow(() -> new AssertionError("no access-log line in " + gw.stderr()));
                assertEquals(requestId, access.get("request_id").asText());
                assertEquals(200, access.get("status").asInt(), "a number field, not text: " + access);
                assertTrue(access.get("status").isInt(), access.toString());
                assertEquals("/v1/chat/completions", access.get("route").asText());
                assertEquals("INFO", access.get("level").asText());
                assertTrue(access.has("timestamp"), access.toString());
            }
        }
        JsonNode refusal = lines.stream().filter(l -> l.path("message").asText().contains("rejected"))
                .findFirst().orElseThrow();
        String message = refusal.get("message").asText();
        assertTrue(message.contains("\n") && message.contains("say \"nobody\""), message);
        assertTrue(lines.stream().anyMatch(l -> l.path("message").asText().contains("draining")),
                "the drain is logged as JSON");
        for (JsonNode l : lines) {
            assertTrue(l.hasNonNull("timestamp") && l.hasNonNull("level") && l.hasNonNull("logger"), l.toString());
        }
        // stdout: the start-up lines (listeners, store) are the only plain text
        List<String> plain = stdout.lines().filter(l -> !l.startsWith("{")).toList();
        assertTrue(plain.stream().allMatch(l -> l.startsWith("aisix ")), stdout);
        parseEvery(String.join("\n", stdout.lines().filter(l -> l.startsWith("{")).toList()), "stdout");
    }

    private static List<JsonNode> parseEvery(String text, String stream) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            try {
                JsonNode n = Json.mapper().readTree(line);
                assertTrue(n != null && n.isObject(), stream + " line is not a JSON object: " + line);
                out.add(n);
            } catch (IOException e) {
                throw new AssertionError(stream + " line is not JSON: " + line + "\n--- " + stream + ":\n" + text, e);
            }
        }
        return out;
    }
}
