package io.aisix.kernel.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Digests;
import io.aisix.spi.observe.SpendBoard;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageStats;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Admin API against a real gateway and its embedded store. */
class AdminApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = """
            {"display_name":"openai-main","provider":"openai","api_key":"sk-live-abcdefghijklmnop1234"}""";

    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start(dir, "", null);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void adminKeyIsRequired() throws Exception {
        HttpResponse<String> none = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models"))));
        assertEquals(401, none.statusCode());
        assertTrue(json(none).get("error_msg").asText().contains("admin key"));
        HttpResponse<String> wrong = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models")))
                .header("x-api-key", "not-the-key"));
        assertEquals(401, wrong.statusCode());
        HttpResponse<String> viaHeader = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models")))
                .header("x-api-key", TestGateway.ADMIN_KEY));
        assertEquals(200, viaHeader.statusCode());
    }

    @Test
    void theSchemasNeedNoKeyAndTheProxyListenerServesNone() {
        // the listeners' wiring; the documents themselves: SchemaRoutesTest
        HttpResponse<String> index = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/schemas/"))));
        assertEquals(200, index.statusCode(), index.body());
        assertEquals(200, gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/schemas/config.schema.json"))))
                .statusCode());
        assertEquals(404, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/admin/schemas/config.schema.json"))))
                .statusCode(), "the proxy listener serves no schema");
    }

    @Test
    void providerKeyRoundTripMasksAndKeepsTheSecret() throws Exception {
        HttpResponse<String> created = gw.adminCall("POST", "/admin/v1/provider_keys", KEY);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode entry = json(created);
        String id = entry.get("id").asText();
        assertEquals("sk-…1234", entry.at("/value/api_key").asText());
        assertFalse(created.body().contains("abcdefghijklmnop"));

        HttpResponse<String> list = gw.adminCall("GET", "/admin/v1/provider_keys", null);
        assertEquals(200, list.statusCode());
        assertEquals(1, json(list).size());
        assertFalse(list.body().contains("abcdefghijklmnop"));

        // a PUT without api_key keeps the stored secret
        HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/provider_keys/" + id,
                "{\"display_name\":\"openai-main\",\"provider\":\"openai\",\"api_base\":\"http://127.0.0.1:9/v1\"}");
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("sk-…1234", json(put).at("/value/api_key").asText());
        String onDisk = Files.readString(dir.resolve("data/store.json"));
        assertTrue(onDisk.contains("sk-live-abcdefghijklmnop1234"), "secret kept in the store");

        // a read sent back with its masked api_key keeps the secret too
        HttpResponse<String> read = gw.adminCall("GET", "/admin/v1/provider_keys/" + id, null);
        ObjectNode edited = (ObjectNode) json(read).get("value");
        edited.put("display_name", "openai-renamed");
        assertEquals(200, gw.adminCall("PUT", "/admin/v1/provider_keys/" + id, edited.toString()).statusCode());
        onDisk = Files.readString(dir.resolve("data/store.json"));
        assertTrue(onDisk.contains("sk-live-abcdefghijklmnop1234") && onDisk.contains("openai-renamed"), onDisk);
        assertFalse(onDisk.contains("sk-…1234") || onDisk.contains("sk-\\u20261234"), "the mask never replaces the secret");

        assertEquals(404, gw.adminCall("GET", "/admin/v1/provider_keys/nope", null).statusCode());
        assertEquals(404, gw.adminCall("GET", "/admin/v1/widgets", null).statusCode());
    }

    @Test
    void headerValuesReadBackMaskedOnEveryReadAndAreKept() throws Exception {
        // every kind's secret maps alike; provider keys' extra upstream headers here (plugins' kinds:
        // their own tests)
        String key = "{\"display_name\":\"otel\",\"provider\":\"openai\",\"api_key\":\"sk-live-abcdefghijklmnop1234\","
                + "\"api_base\":\"http://127.0.0.1:9/\","
                + "\"headers\":{\"Authorization\":\"Bearer exporter-token-abcdef1234\",\"x-tenant\":\"t1\"}}";
        HttpResponse<String> created = gw.adminCall("POST", "/admin/v1/provider_keys", key);
        assertEquals(201, created.statusCode(), created.body());
        String id = json(created).get("id").asText();
        assertEquals("Bea…1234", json(created).at("/value/headers/Authorization").asText());
        assertEquals("…", json(created).at("/value/headers/x-tenant").asText());
        assertEquals("http://127.0.0.1:9/", json(created).at("/value/api_base").asText());

        HttpResponse<String> one = gw.adminCall("GET", "/admin/v1/provider_keys/" + id, null);
        assertEquals("Bea…1234", json(one).at("/value/headers/Authorization").asText());
        HttpResponse<String> list = gw.adminCall("GET", "/admin/v1/provider_keys", null);
        assertTrue(list.body().contains("Bea…1234"), list.body());
        for (HttpResponse<String> r : java.util.List.of(created, one, list)) {
            assertFalse(r.body().contains("exporter-token"), r.body());
        }

        // a PUT without headers keeps the stored ones, as a PUT without api_key keeps the key
        HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/provider_keys/" + id,
                "{\"display_name\":\"otel\",\"provider\":\"openai\",\"api_base\":\"http://127.0.0.1:9/v1\"}");
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("Bea…1234", json(put).at("/value/headers/Authorization").asText());
        assertFalse(put.body().contains("exporter-token"));
        String onDisk = Files.readString(dir.resolve("data/store.json"));
        assertTrue(onDisk.contains("Bearer exporter-token-abcdef1234"), "the real value stays in the store");
        long revision = json(put).get("revision").asLong();
        for (int i = 0; i < 500 && gw.gateway.snapshots().current().snapshot().revision() < revision; i++) {
            Thread.sleep(10);
        }
        assertEquals("Bearer exporter-token-abcdef1234", gw.gateway.snapshots().current().snapshot()
                .get(io.aisix.support.resource.CoreKinds.PROVIDER_KEYS, id).orElseThrow()
                .headers().get("Authorization"), "and reaches the data path");

        // provider keys' extra upstream headers too
        HttpResponse<String> pk = gw.adminCall("POST", "/admin/v1/provider_keys", "{\"display_name\":\"proxied\","
                + "\"provider\":\"openai\",\"api_key\":\"sk-live-abcdefghijklmnop1234\","
                + "\"headers\":{\"x-proxy-auth\":\"proxy-secret-0123456789\"}}");
        assertEquals(201, pk.statusCode(), pk.body());
        assertEquals("pro…6789", json(pk).at("/value/headers/x-proxy-auth").asText());
        assertFalse(gw.adminCall("GET", "/admin/v1/provider_keys", null).body().contains("proxy-secret"));

        // a webhook guardrail row written behind the Admin API's back (the kind is not installed here)
        gw.gateway.store().put("guardrails", "hook", ("{\"name\":\"judge\",\"kind\":\"webhook\","
                + "\"url\":\"http://127.0.0.1:9/\",\"headers\":{\"Authorization\":\"Bearer hook-secret-abcd\"}}")
                .getBytes(), -1);
        HttpResponse<String> hook = gw.adminCall("GET", "/admin/v1/guardrails/hook", null);
        assertEquals(200, hook.statusCode(), hook.body());
        assertEquals("Bea…abcd", json(hook).at("/value/headers/Authorization").asText());
        assertFalse(gw.adminCall("GET", "/admin/v1/guardrails", null).body().contains("hook-secret"));
        // a row that is not even JSON is not echoed in clear for a kind with secrets
        gw.gateway.store().put("guardrails", "junk", "not json Bearer hook-secret-abcd".getBytes(), -1);
        assertFalse(gw.adminCall("GET", "/admin/v1/guardrails/junk", null).body().contains("hook-secret"));
    }

    @Test
    void validationErrorsCarryFieldPaths() throws Exception {
        HttpResponse<String> bad = gw.adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"r\",\"routing\":{\"strategy\":\"random\",\"targets\":[{\"weight\":\"x\"}]}}");
        assertEquals(400, bad.statusCode());
        JsonNode errors = json(bad).get("errors");
        java.util.Set<String> paths = new java.util.HashSet<>();
        errors.forEach(e -> paths.add(e.get("path").asText()));
        assertTrue(paths.contains("/routing/strategy"), paths.toString());
        assertTrue(paths.contains("/routing/targets/0/model"), paths.toString());
        assertTrue(paths.contains("/routing/targets/0/weight"), paths.toString());

        assertEquals(400, gw.adminCall("POST", "/admin/v1/models", "{not json").statusCode());
        assertEquals(400, gw.adminCall("POST", "/admin/v1/models", "[1,2]").statusCode());
        HttpResponse<String> wrongType = gw.adminCall("POST", "/admin/v1/provider_keys",
                "{\"display_name\":5,\"provider\":\"openai\",\"api_key\":\"x\"}");
        assertEquals("/display_name", json(wrongType).at("/errors/0/path").asText());
    }

    @Test
    void duplicatesReferencesAndRevisions() throws Exception {
        String keyId = json(gw.adminCall("POST", "/admin/v1/provider_keys", KEY)).get("id").asText();
        assertEquals(409, gw.adminCall("POST", "/admin/v1/provider_keys", KEY).statusCode());

        HttpResponse<String> dangling = gw.adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"gpt\",\"provider_key_id\":\"missing\",\"model_name\":\"gpt-4o\"}");
        assertEquals(409, dangling.statusCode());
        assertEquals("/provider_key_id", json(dangling).at("/errors/0/path").asText());

        HttpResponse<String> model = gw.adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"gpt\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\"gpt-4o\"}");
        assertEquals(201, model.statusCode(), model.body());
        String modelId = json(model).get("id").asText();
        long rev = json(model).get("revision").asLong();

        HttpResponse<String> routing = gw.adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"smart\",\"routing\":{\"targets\":[{\"model\":\"gpt\"}]}}");
        assertEquals(201, routing.statusCode(), routing.body());
        assertEquals(409, gw.adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"bad\",\"routing\":{\"targets\":[{\"model\":\"nope\"}]}}").statusCode());

        HttpResponse<String> busy = gw.adminCall("DELETE", "/admin/v1/provider_keys/" + keyId, null);
        assertEquals(409, busy.statusCode());
        assertTrue(json(busy).get("error_msg").asText().contains(modelId));
        assertEquals(409, gw.adminCall("DELETE", "/admin/v1/models/" + modelId, null).statusCode(),
                "a routing model still names it");

        String update = "{\"display_name\":\"gpt\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\"gpt-4.1\"}";
        HttpResponse<String> stale = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models/" + modelId)))
                .header("Authorization", "Bearer " + TestGateway.ADMIN_KEY).header("If-Match", String.valueOf(rev - 1))
                .PUT(HttpRequest.BodyPublishers.ofString(update)));
        assertEquals(412, stale.statusCode());
        HttpResponse<String> fresh = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models/" + modelId)))
                .header("Authorization", "Bearer " + TestGateway.ADMIN_KEY).header("If-Match", String.valueOf(rev))
                .PUT(HttpRequest.BodyPublishers.ofString(update)));
        assertEquals(200, fresh.statusCode(), fresh.body());

        HttpResponse<String> created = gw.adminCall("PUT", "/admin/v1/models/my-id",
                "{\"display_name\":\"other\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\"x\"}");
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> deleted = gw.adminCall("DELETE", "/admin/v1/models/my-id", null);
        assertEquals(200, deleted.statusCode());
        assertEquals("{\"deleted\":true,\"id\":\"my-id\"}", deleted.body());
        assertEquals(404, gw.adminCall("DELETE", "/admin/v1/models/my-id", null).statusCode());
    }

    @Test
    void aJwtSubjectIsBoundToOneKeyPerProvider() throws Exception {
        String bound = "{\"jwt_provider\":\"corp\",\"jwt_subject\":\"alice\"}";
        HttpResponse<String> first = gw.adminCall("POST", "/admin/v1/api_keys", bound);
        assertEquals(201, first.statusCode(), first.body());
        String id = json(first).get("id").asText();
        HttpResponse<String> again = gw.adminCall("POST", "/admin/v1/api_keys", bound);
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("/jwt_subject") && again.body().contains(id), again.body());
        // the same subject under another provider, or the key itself rewritten, is fine
        assertEquals(201, gw.adminCall("POST", "/admin/v1/api_keys",
                "{\"jwt_provider\":\"other-idp\",\"jwt_subject\":\"alice\"}").statusCode());
        JsonNode row = json(gw.adminCall("GET", "/admin/v1/api_keys/" + id, null)).get("value");
        HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/api_keys/" + id, row.toString());
        assertEquals(200, put.statusCode(), put.body());
        HttpResponse<String> lone = gw.adminCall("POST", "/admin/v1/api_keys", "{\"jwt_subject\":\"bob\"}");
        assertEquals(400, lone.statusCode());
        assertTrue(lone.body().contains("/jwt_provider"), lone.body());
    }

    @Test
    void callerKeysAreStoredOnlyAsHashes() throws Exception {
        HttpResponse<String> generated = gw.adminCall("POST", "/admin/v1/api_keys", "{\"display_name\":\"app\"}");
        assertEquals(201, generated.statusCode(), generated.body());
        String plaintext = json(generated).get("key").asText();
        assertTrue(plaintext.startsWith("sk-"));
        assertEquals(Digests.sha256Hex(plaintext), json(generated).at("/value/key_hash").asText());
        String id = json(generated).get("id").asText();
        assertFalse(gw.adminCall("GET", "/admin/v1/api_keys/" + id, null).body().contains(plaintext));

        HttpResponse<String> supplied = gw.adminCall("POST", "/admin/v1/api_keys",
                "{\"display_name\":\"mine\",\"key\":\"my-own-caller-key\"}");
        assertEquals(201, supplied.statusCode());
        assertFalse(supplied.body().contains("my-own-caller-key"));
        assertEquals(Digests.sha256Hex("my-own-caller-key"), json(supplied).at("/value/key_hash").asText());
        assertEquals(409, gw.adminCall("POST", "/admin/v1/api_keys", "{\"key\":\"my-own-caller-key\"}").statusCode());

        HttpResponse<String> rotated = gw.adminCall("POST", "/admin/v1/api_keys/" + id + "/rotate", null);
        assertEquals(200, rotated.statusCode(), rotated.body());
        String next = json(rotated).get("key").asText();
        assertFalse(next.equals(plaintext));
        assertEquals(Digests.sha256Hex(next), json(rotated).at("/value/key_hash").asText());
        String onDisk = Files.readString(dir.resolve("data/store.json"));
        assertFalse(onDisk.contains(plaintext) || onDisk.contains(next) || onDisk.contains("my-own-caller-key"));
    }

    @Test
    void healthReportsRevisionAndRejectedRows() throws Exception {
        gw.adminCall("POST", "/admin/v1/provider_keys", KEY);
        // a row written behind the Admin API's back (as another tool could) that fails validation
        gw.gateway.store().put("models", "broken", "{\"display_name\":42}".getBytes(), -1);
        JsonNode health = null;
        for (int i = 0; i < 100; i++) {
            health = json(gw.adminCall("GET", "/admin/v1/health", null));
            if (health.at("/config/rejected").size() > 0) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals("embedded", health.at("/config/store").asText());
        assertTrue(health.at("/config/connected").asBoolean());
        assertEquals(2, health.at("/config/revision").asLong());
        assertEquals("broken", health.at("/config/rejected/0/id").asText());
        assertEquals("/display_name: must be a string", health.at("/config/rejected/0/errors/0").asText());
        assertEquals("ok", health.get("status").asText());
    }

    @Test
    void pluginsAreListed() throws Exception {
        HttpResponse<String> r = gw.adminCall("GET", "/admin/v1/plugins", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("filter:test-scripted@INGRESS/900"), r.body());
    }

    @Test
    void statsAndSpendAnswerFromTheServicesPluginsFeed() throws Exception {
        HttpResponse<String> empty = gw.adminCall("GET", "/admin/v1/stats", null);
        assertEquals(200, empty.statusCode(), empty.body());
        JsonNode doc = json(empty);
        assertEquals("1h", doc.get("window").asText());
        assertEquals("model", doc.get("by").asText());
        assertEquals(60, doc.get("buckets").size());
        assertEquals(0, doc.at("/total/totals/requests").asLong());

        // what the observe plugin does with every finished request
        UsageStats stats = gw.gateway.pluginContext().service(UsageStats.class).orElseThrow();
        stats.record(new UsageEvent("r1", java.time.Instant.now().minusMillis(40), 40_000_000L, java.util.Optional.empty(),
                "/v1/chat/completions", "key-1", "gpt", "openai", "gpt-4o", 200, "", 12, 8, 0, 0, "", "", 1, false,
                java.util.List.of(), java.util.Optional.empty(), java.util.Optional.empty(), false,
                new UsageEvent.Spend(0.25, 0, java.util.List.of())));
        doc = json(gw.adminCall("GET", "/admin/v1/stats?window=24h&by=key&top=3", null));
        assertEquals(96, doc.get("buckets").size());
        assertEquals("key-1", doc.at("/series/0/name").asText());
        assertEquals(1, doc.at("/series/0/totals/requests").asLong());
        assertEquals(20, doc.at("/series/0/totals/prompt_tokens").asLong() + doc.at("/series/0/totals/completion_tokens").asLong());
        assertEquals(0.25, doc.at("/series/0/totals/cost_usd").asDouble(), 1e-12);
        assertTrue(doc.at("/series/0/totals/p50_ms").asDouble() >= 40, doc.toString());

        for (String bad : new String[] {"window=7d", "by=team", "top=0", "top=x"}) {
            HttpResponse<String> r = gw.adminCall("GET", "/admin/v1/stats?" + bad, null);
            assertEquals(400, r.statusCode(), bad);
            assertTrue(json(r).get("error_msg").asText().contains(bad.substring(0, bad.indexOf('='))), r.body());
        }
        HttpResponse<String> noKey = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/stats"))));
        assertEquals(401, noKey.statusCode());

        JsonNode spend = json(gw.adminCall("GET", "/admin/v1/spend", null));
        assertFalse(spend.get("available").asBoolean(), "no budgets plugin reported");
        gw.gateway.pluginContext().service(SpendBoard.class).orElseThrow().report(() -> java.util.List.of(
                new SpendBoard.Counter("b1", "monthly", "key-1", 0.25, 5, "hard",
                        java.time.Instant.parse("2027-01-01T00:00:00Z"))));
        spend = json(gw.adminCall("GET", "/admin/v1/spend?budget=monthly", null));
        assertTrue(spend.get("available").asBoolean());
        assertEquals(0.25, spend.at("/counters/0/spent_usd").asDouble());
        assertEquals(5, spend.at("/counters/0/max_usd").asDouble());
        assertEquals(0, json(gw.adminCall("GET", "/admin/v1/spend?budget=other", null)).get("counters").size());
    }
}
