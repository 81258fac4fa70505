package io.aisix.kernel.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.file.ResourcesFileStore;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.spi.resource.Model;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gateway serving a resources file: read-only Admin API, reloads applied whole or refused whole. */
class ResourcesFileModeIT {
    private static final String FILE = """
            _format_version: "1"
            provider_keys:
              - { display_name: openai, provider: openai, api_key: sk-live-abcdefghijklmnop1234 }
            models:
              - { display_name: gpt-4o, provider_key: openai, model_name: gpt-4o }
            api_keys:
              - { display_name: app, key_hash: "%s", allowed_models: ["*"] }
            """.formatted("ab".repeat(32));

    @TempDir
    Path dir;
    Path resources;
    TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        resources = Files.writeString(dir.resolve("resources.yaml"), FILE);
        gw = TestGateway.start(dir, "resources_file: " + resources + "\n", null);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    private TreeSet<String> servedAliases() {
        return new TreeSet<>(gw.gateway.snapshots().current().snapshot().all(CoreKinds.MODELS).values().stream()
                .map(Model::displayName).toList());
    }

    @Test
    void readsServeTheFileAndWritesAnswer405SayingWhereConfigurationLives() throws Exception {
        HttpResponse<String> keys = gw.adminCall("GET", "/admin/v1/provider_keys", null);
        assertEquals(200, keys.statusCode(), keys.body());
        assertEquals("sk-…1234", json(keys).at("/0/value/api_key").asText(), "masked as in every mode");
        assertFalse(keys.body().contains("abcdefghijklmnop"));
        assertEquals(1, json(keys).at("/0/revision").asLong());
        String modelId = json(gw.adminCall("GET", "/admin/v1/models", null)).at("/0/id").asText();
        assertEquals(200, gw.adminCall("GET", "/admin/v1/models/" + modelId, null).statusCode());

        String keyId = json(gw.adminCall("GET", "/admin/v1/api_keys", null)).at("/0/id").asText();
        for (String[] call : List.of(new String[] {"POST", "/admin/v1/models", "{}"},
                new String[] {"POST", "/admin/v1/models", null},
                new String[] {"PUT", "/admin/v1/models/" + modelId, "{\"display_name\":\"x\"}"},
                new String[] {"DELETE", "/admin/v1/models/" + modelId, null},
                new String[] {"POST", "/admin/v1/nonsense", "{}"},
                new String[] {"POST", "/admin/v1/api_keys/" + keyId + "/rotate", null})) {
            HttpResponse<String> r = gw.adminCall(call[0], call[1], call[2]);
            assertEquals(405, r.statusCode(), call[0] + " " + call[1] + ": " + r.body());
            assertEquals("GET", r.headers().firstValue("allow").orElse(""));
            assertEquals("the Admin API is read-only: configuration is read from the resources file " + resources
                    + " (resources_file); edit that file and send SIGHUP to the gateway to apply it",
                    json(r).get("error_msg").asText());
        }
        // the key is checked first: the refusal (and the file's path) is for operators only
        HttpResponse<String> anonymous = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models")))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(401, anonymous.statusCode());
        assertEquals(1, json(gw.adminCall("GET", "/admin/v1/models", null)).size(), "nothing was written");

        HttpResponse<String> ready = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz"))));
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode health = json(gw.adminCall("GET", "/admin/v1/health", null));
        assertEquals("ok", health.get("status").asText(), health.toString());
        assertEquals("file", health.at("/config/store").asText());
        assertEquals(resources.toString(), health.at("/config/store_status/endpoint").asText());
        assertEquals(resources.toString(), health.at("/config/resources_file/path").asText());
        assertEquals(1, health.at("/config/resources_file/generation").asLong());
        assertTrue(health.at("/config/resources_file/rejected").isMissingNode());
        assertEquals(1, health.at("/config/revision").asLong());
    }

    @Test
    void aValidEditAppliesAndAnInvalidOneIsRefusedWhileTheLastGoodServes() throws Exception {
        assertEquals(new TreeSet<>(List.of("gpt-4o")), servedAliases());
        Files.writeString(resources, FILE.replace("models:\n", """
                models:
                  - { display_name: mini, provider_key: openai, model_name: gpt-4o-mini }
                """));
        ResourcesFileStore.Applied applied = assertInstanceOf(ResourcesFileStore.Applied.class,
                gw.gateway.reloadResources().orElseThrow());
        assertEquals(2, applied.generation());
        assertEquals(new TreeSet<>(List.of("gpt-4o", "mini")), servedAliases());
        assertEquals(2, gw.gateway.snapshots().revision());

        Files.writeString(resources, FILE.replace("model_name: gpt-4o }", "model_name: gpt-4o, timeout: -5 }")
                .replace("provider_key: openai", "provider_key: nobody"));
        assertInstanceOf(ResourcesFileStore.Rejected.class, gw.gateway.reloadResources().orElseThrow());
        assertEquals(new TreeSet<>(List.of("gpt-4o", "mini")), servedAliases(), "generation 2 keeps serving");
        assertEquals(2, gw.gateway.snapshots().revision());
        JsonNode health = json(gw.adminCall("GET", "/admin/v1/health", null));
        assertEquals("degraded", health.get("status").asText(), health.toString());
        JsonNode rejected = health.at("/config/resources_file/rejected");
        assertEquals(2, rejected.get("errors").size(), rejected.toString());
        assertEquals("/models/0/provider_key", rejected.at("/errors/0/path").asText());
        assertEquals(resources.toString(), rejected.at("/errors/0/file").asText());
        assertEquals(5, rejected.at("/errors/0/line").asInt());
        assertEquals("/models/0/timeout", rejected.at("/errors/1/path").asText());
        assertFalse(rejected.get("since").asText().isEmpty());
        assertEquals(200, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz")))).statusCode(),
                "a refused edit does not unready the gateway: the last good configuration serves");

        Files.writeString(resources, FILE);
        assertInstanceOf(ResourcesFileStore.Applied.class, gw.gateway.reloadResources().orElseThrow());
        assertEquals(new TreeSet<>(List.of("gpt-4o")), servedAliases());
        health = json(gw.adminCall("GET", "/admin/v1/health", null));
        assertEquals("ok", health.get("status").asText(), health.toString());
        assertEquals(3, health.at("/config/revision").asLong());
    }
}
