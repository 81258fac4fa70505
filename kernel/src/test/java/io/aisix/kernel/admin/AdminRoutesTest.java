package io.aisix.kernel.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.embedded.EmbeddedStore;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Admin API's resource routes in memory ({@code @RoutingTest}): {@link AdminRoutes} mounted at
 * {@link AdminRoutes#PREFIX} over an embedded store and the core kinds, as the admin listener
 * mounts it, emptied before every test. What needs a running gateway (the snapshot a write
 * reaches, health, plugins, the stats services, the listeners' wiring) stays in {@code AdminApiIT}.
 */
@RoutingTest
class AdminRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_KEY = "test-admin-key-0123456789";
    private static final String KEY = """
            {"display_name":"openai-main","provider":"openai","api_key":"sk-live-abcdefghijklmnop1234"}""";
    // in dependency order, as the gateway holds them
    private static final Map<String, ResourceKind<?>> KINDS = CoreKinds.all().stream()
            .collect(Collectors.toMap(ResourceKind::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));

    // a static @TempDir is made before @SetUpRoute runs (JUnit's own extension comes first)
    @TempDir
    static Path data;
    static EmbeddedStore store;

    private final DirectClient client;

    AdminRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        store = new EmbeddedStore(data);
        routing.register(AdminRoutes.PREFIX, new AdminRoutes(new AdminAuth(List.of(ADMIN_KEY)),
                new ResourceService(store, KINDS), JSON::createObjectNode, List.of()));
    }

    @BeforeEach
    void emptyTheStore() {
        for (String kind : KINDS.keySet()) {
            for (StoreRow row : store.list(kind)) {
                store.delete(kind, row.id(), ConfigStore.ANY);
            }
        }
    }

    @AfterAll
    static void closeTheStore() {
        store.close();
    }

    /** An answer's status and body, as the tests read them. */
    private record Answer(int statusCode, String body) {
    }

    private Answer call(String method, String path, String body, Map<String, String> headers) {
        Http1ClientRequest req = client.method(Method.create(method)).uri(path);
        headers.forEach((name, value) -> req.header(HeaderNames.create(name), value));
        ClientResponseTyped<String> r = body == null ? req.request(String.class) : req.submit(body, String.class);
        return new Answer(r.status().code(), r.entity());
    }

    private Answer adminCall(String method, String path, String body) {
        return call(method, path, body, body == null ? Map.of("Authorization", "Bearer " + ADMIN_KEY)
                : Map.of("Authorization", "Bearer " + ADMIN_KEY, "content-type", "application/json"));
    }

    private JsonNode json(Answer r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void adminKeyIsRequired() throws Exception {
        Answer none = call("GET", "/admin/v1/models", null, Map.of());
        assertEquals(401, none.statusCode());
        assertTrue(json(none).get("error_msg").asText().contains("admin key"));
        Answer wrong = call("GET", "/admin/v1/models", null, Map.of("x-api-key", "not-the-key"));
        assertEquals(401, wrong.statusCode());
        Answer viaHeader = call("GET", "/admin/v1/models", null, Map.of("x-api-key", ADMIN_KEY));
        assertEquals(200, viaHeader.statusCode());
    }

    @Test
    void providerKeyRoundTripMasksAndKeepsTheSecret() throws Exception {
        Answer created = adminCall("POST", "/admin/v1/provider_keys", KEY);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode entry = json(created);
        String id = entry.get("id").asText();
        assertEquals("sk-…1234", entry.at("/value/api_key").asText());
        assertFalse(created.body().contains("abcdefghijklmnop"));

        Answer list = adminCall("GET", "/admin/v1/provider_keys", null);
        assertEquals(200, list.statusCode());
        assertEquals(1, json(list).size());
        assertFalse(list.body().contains("abcdefghijklmnop"));

        // a PUT without api_key keeps the stored secret
        Answer put = adminCall("PUT", "/admin/v1/provider_keys/" + id,
                "{\"display_name\":\"openai-main\",\"provider\":\"openai\",\"api_base\":\"http://127.0.0.1:9/v1\"}");
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("sk-…1234", json(put).at("/value/api_key").asText());
        String onDisk = Files.readString(data.resolve("store.json"));
        assertTrue(onDisk.contains("sk-live-abcdefghijklmnop1234"), "secret kept in the store");

        // a read sent back with its masked api_key keeps the secret too
        Answer read = adminCall("GET", "/admin/v1/provider_keys/" + id, null);
        ObjectNode edited = (ObjectNode) json(read).get("value");
        edited.put("display_name", "openai-renamed");
        assertEquals(200, adminCall("PUT", "/admin/v1/provider_keys/" + id, edited.toString()).statusCode());
        onDisk = Files.readString(data.resolve("store.json"));
        assertTrue(onDisk.contains("sk-live-abcdefghijklmnop1234") && onDisk.contains("openai-renamed"), onDisk);
        assertFalse(onDisk.contains("sk-…1234") || onDisk.contains("sk-\\u20261234"), "the mask never replaces the secret");

        assertEquals(404, adminCall("GET", "/admin/v1/provider_keys/nope", null).statusCode());
        assertEquals(404, adminCall("GET", "/admin/v1/widgets", null).statusCode());
    }

    @Test
    void validationErrorsCarryFieldPaths() throws Exception {
        Answer bad = adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"r\",\"routing\":{\"strategy\":\"random\",\"targets\":[{\"weight\":\"x\"}]}}");
        assertEquals(400, bad.statusCode());
        JsonNode errors = json(bad).get("errors");
        java.util.Set<String> paths = new java.util.HashSet<>();
        errors.forEach(e -> paths.add(e.get("path").asText()));
        assertTrue(paths.contains("/routing/strategy"), paths.toString());
        assertTrue(paths.contains("/routing/targets/0/model"), paths.toString());
        assertTrue(paths.contains("/routing/targets/0/weight"), paths.toString());

        assertEquals(400, adminCall("POST", "/admin/v1/models", "{not json").statusCode());
        assertEquals(400, adminCall("POST", "/admin/v1/models", "[1,2]").statusCode());
        Answer wrongType = adminCall("POST", "/admin/v1/provider_keys",
                "{\"display_name\":5,\"provider\":\"openai\",\"api_key\":\"x\"}");
        assertEquals("/display_name", json(wrongType).at("/errors/0/path").asText());
    }

    @Test
    void duplicatesReferencesAndRevisions() throws Exception {
        String keyId = json(adminCall("POST", "/admin/v1/provider_keys", KEY)).get("id").asText();
        assertEquals(409, adminCall("POST", "/admin/v1/provider_keys", KEY).statusCode());

        Answer dangling = adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"gpt\",\"provider_key_id\":\"missing\",\"model_name\":\"gpt-4o\"}");
        assertEquals(409, dangling.statusCode());
        assertEquals("/provider_key_id", json(dangling).at("/errors/0/path").asText());

        Answer model = adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"gpt\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\"gpt-4o\"}");
        assertEquals(201, model.statusCode(), model.body());
        String modelId = json(model).get("id").asText();
        long rev = json(model).get("revision").asLong();

        Answer routing = adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"smart\",\"routing\":{\"targets\":[{\"model\":\"gpt\"}]}}");
        assertEquals(201, routing.statusCode(), routing.body());
        assertEquals(409, adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"bad\",\"routing\":{\"targets\":[{\"model\":\"nope\"}]}}").statusCode());

        Answer busy = adminCall("DELETE", "/admin/v1/provider_keys/" + keyId, null);
        assertEquals(409, busy.statusCode());
        assertTrue(json(busy).get("error_msg").asText().contains(modelId));
        assertEquals(409, adminCall("DELETE", "/admin/v1/models/" + modelId, null).statusCode(),
                "a routing model still names it");

        String update = "{\"display_name\":\"gpt\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\"gpt-4.1\"}";
        Answer stale = call("PUT", "/admin/v1/models/" + modelId, update,
                Map.of("Authorization", "Bearer " + ADMIN_KEY, "If-Match", String.valueOf(rev - 1)));
        assertEquals(412, stale.statusCode());
        Answer fresh = call("PUT", "/admin/v1/models/" + modelId, update,
                Map.of("Authorization", "Bearer " + ADMIN_KEY, "If-Match", String.valueOf(rev)));
        assertEquals(200, fresh.statusCode(), fresh.body());

        Answer created = adminCall("PUT", "/admin/v1/models/my-id",
                "{\"display_name\":\"other\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\"x\"}");
        assertEquals(201, created.statusCode(), created.body());
        Answer deleted = adminCall("DELETE", "/admin/v1/models/my-id", null);
        assertEquals(200, deleted.statusCode());
        assertEquals("{\"deleted\":true,\"id\":\"my-id\"}", deleted.body());
        assertEquals(404, adminCall("DELETE", "/admin/v1/models/my-id", null).statusCode());
    }

    @Test
    void aJwtSubjectIsBoundToOneKeyPerProvider() throws Exception {
        String bound = "{\"jwt_provider\":\"corp\",\"jwt_subject\":\"alice\"}";
        Answer first = adminCall("POST", "/admin/v1/api_keys", bound);
        assertEquals(201, first.statusCode(), first.body());
        String id = json(first).get("id").asText();
        Answer again = adminCall("POST", "/admin/v1/api_keys", bound);
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("/jwt_subject") && again.body().contains(id), again.body());
        // the same subject under another provider, or the key itself rewritten, is fine
        assertEquals(201, adminCall("POST", "/admin/v1/api_keys",
                "{\"jwt_provider\":\"other-idp\",\"jwt_subject\":\"alice\"}").statusCode());
        JsonNode row = json(adminCall("GET", "/admin/v1/api_keys/" + id, null)).get("value");
        Answer put = adminCall("PUT", "/admin/v1/api_keys/" + id, row.toString());
        assertEquals(200, put.statusCode(), put.body());
        Answer lone = adminCall("POST", "/admin/v1/api_keys", "{\"jwt_subject\":\"bob\"}");
        assertEquals(400, lone.statusCode());
        assertTrue(lone.body().contains("/jwt_provider"), lone.body());
    }

    @Test
    void callerKeysAreStoredOnlyAsHashes() throws Exception {
        Answer generated = adminCall("POST", "/admin/v1/api_keys", "{\"display_name\":\"app\"}");
        assertEquals(201, generated.statusCode(), generated.body());
        String plaintext = json(generated).get("key").asText();
        assertTrue(plaintext.startsWith("sk-"));
        assertEquals(Digests.sha256Hex(plaintext), json(generated).at("/value/key_hash").asText());
        String id = json(generated).get("id").asText();
        assertFalse(adminCall("GET", "/admin/v1/api_keys/" + id, null).body().contains(plaintext));

        Answer supplied = adminCall("POST", "/admin/v1/api_keys",
                "{\"display_name\":\"mine\",\"key\":\"my-own-caller-key\"}");
        assertEquals(201, supplied.statusCode());
        assertFalse(supplied.body().contains("my-own-caller-key"));
        assertEquals(Digests.sha256Hex("my-own-caller-key"), json(supplied).at("/value/key_hash").asText());
        assertEquals(409, adminCall("POST", "/admin/v1/api_keys", "{\"key\":\"my-own-caller-key\"}").statusCode());

        Answer rotated = adminCall("POST", "/admin/v1/api_keys/" + id + "/rotate", null);
        assertEquals(200, rotated.statusCode(), rotated.body());
        String next = json(rotated).get("key").asText();
        assertFalse(next.equals(plaintext));
        assertEquals(Digests.sha256Hex(next), json(rotated).at("/value/key_hash").asText());
        String onDisk = Files.readString(data.resolve("store.json"));
        assertFalse(onDisk.contains(plaintext) || onDisk.contains(next) || onDisk.contains("my-own-caller-key"));
    }
}
