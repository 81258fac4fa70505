package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Digests;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, operations: AISIX's status endpoints on the metrics listener against real etcd
 * ({@code /status/ready}, {@code /status/config} with revisions, rejected rows and their reasons,
 * the last good value still serving, staleness; {@code /status/models}), and deleting one caller
 * key's row revoking that key at once and no other.
 */
@Timeout(90)
class StatusEndpointsIT {
    private static final String KEY_A = "sk-ops-caller-a-0123456789";
    private static final String KEY_B = "sk-ops-caller-b-0123456789";
    private static final String PK = "/aisix/provider_keys/6f1c2d3e-0000-4000-8000-0000000000a1";
    private static final String MODEL = "/aisix/models/0d2e0000-0000-4000-8000-0000000000a1";
    private static final String ROUTER = "/aisix/models/0d2e0000-0000-4000-8000-0000000000a2";
    private static final String ROW_A = "/aisix/api_keys/3b900000-0000-4000-8000-0000000000a1";
    private static final String ROW_B = "/aisix/api_keys/3b900000-0000-4000-8000-0000000000a2";

    @TempDir
    Path dir;

    @Test
    void statusEndpointsOnTheMetricsListenerFollowEtcd() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start();
             TestGateway gw = TestGateway.start(dir, """
                     store: { backend: etcd, data_dir: %s }
                     etcd: { endpoints: [%s], prefix: /aisix }
                     metrics: { addr: 127.0.0.1:0 }
                     upstream: { retries: 0 }
                     """.formatted(dir.resolve("data"), etcd.endpoint()), null)) {
            etcd.put(PK, """
                    {"display_name":"openai-main","provider":"openai","api_key":"sk-live-0123456789","api_base":"%s"}"""
                    .formatted(mock.openAiBase()));
            etcd.put(MODEL, """
                    {"display_name":"gpt-fast","provider":"openai","model_name":"gpt-4o-mini","provider_key_id":"%s"}"""
                    .formatted(id(PK)));
            etcd.put(ROUTER, """
                    {"display_name":"chat","routing":{"targets":[{"model":"gpt-fast"}]}}""");
            etcd.put(ROW_A, key(KEY_A));
            long rev = etcd.put(ROW_B, key(KEY_B));
            JsonNode config = config(gw, rev);

            HttpResponse<String> ready = status(gw, "/status/ready");
            assertEquals(200, ready.statusCode());
            assertEquals("ok", ready.body());
            assertEquals("synced", config.path("state").asText(), config.toString());
            assertEquals("etcd", config.at("/source/type").asText());
            assertTrue(config.at("/source/connected").asBoolean());
            assertEquals(rev, config.at("/applied/applied_revision").asLong(), config.toString());
            assertEquals(rev, config.at("/source/observed_revision").asLong());
            assertEquals(2, config.at("/applied/resource_counts/models").asInt(), config.toString());
            assertEquals(2, config.at("/applied/resource_counts/api_keys").asInt());
            assertEquals(0, config.at("/staleness/behind_revisions").asInt());
            assertTrue(config.at("/applied/age_seconds").asLong() >= 0);
            assertTrue(config.at("/last_reload/successful").asBoolean());
            assertEquals(0, config.path("rejected").size());
            // not on the proxy listener
            assertEquals(404, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/status/config")))).statusCode());

            // a good row rewritten with bad bytes: rejected with its reason, the last good value serves
            long bad = etcd.put(MODEL, "{\"display_name\":\"gpt-fast\",\"provider\":\"openai\",\"timeout\":\"soon\"}");
            // a new row that never was good
            long bad2 = etcd.put("/aisix/api_keys/3b900000-0000-4000-8000-0000000000a9", "{\"key_hash\":\"nothex\"}");
            config = config(gw, bad2);
            assertEquals("degraded", config.path("state").asText(), config.toString());
            assertEquals(2, config.path("rejected").size(), config.toString());
            JsonNode model = find(config.path("rejected"), id(MODEL));
            assertEquals("models", model.path("resource_kind").asText());
            assertEquals(bad, model.path("revision").asLong());
            assertTrue(model.path("stale_served").asBoolean(), model.toString());
            assertTrue(model.path("last_error").asText().contains("timeout"), model.toString());
            assertFalse(model.path("first_seen_at").asText().isEmpty());
            assertFalse(model.path("last_seen_at").asText().isEmpty());
            assertEquals("validation_failed", model.path("last_error_kind").asText());
            assertFalse(config.at("/source/observed_at").asText().isEmpty(), config.toString());
            JsonNode apiKey = find(config.path("rejected"), "3b900000-0000-4000-8000-0000000000a9");
            assertFalse(apiKey.path("stale_served").asBoolean());
            assertTrue(apiKey.path("last_error").asText().contains("key_hash"), apiKey.toString());
            assertEquals(1, config.at("/staleness/stale_served_rows").asInt());
            // the last good model still answers
            assertEquals(200, chat(gw, KEY_A, "gpt-fast").statusCode());

            // /status/models: kinds and runtime state; a failed try cools the direct model down
            mock.enqueue(Script.fail(500));
            assertEquals(502, chat(gw, KEY_A, "gpt-fast").statusCode());
            JsonNode models = GatewayFixture.tree(status(gw, "/status/models").body());
            assertEquals(2, models.size(), models.toString());
            JsonNode direct = find(models, id(MODEL));
            assertEquals("gpt-fast", direct.path("display_name").asText());
            assertEquals("direct", direct.path("kind").asText());
            assertEquals("cooldown", direct.path("status").asText(), direct.toString());
            assertTrue(direct.at("/cooldown_until/secs_since_epoch").asLong() > 0, direct.toString());
            // the same document on the admin listener, behind the admin key (AISIX's /admin/v1/models/status)
            HttpResponse<String> admin = gw.adminCall("GET", "/admin/v1/models/status", null);
            assertEquals(200, admin.statusCode(), admin.body());
            assertEquals("cooldown", find(GatewayFixture.tree(admin.body()), id(MODEL)).path("status").asText());
            assertEquals(401, gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/v1/models/status"))))
                    .statusCode());
            JsonNode router = find(models, id(ROUTER));
            assertEquals("routing", router.path("kind").asText());
            assertEquals("not_applicable", router.path("status").asText());
            assertEquals(200, chat(gw, KEY_A, "gpt-fast").statusCode()); // a success ends the cooldown
            assertEquals("healthy", find(GatewayFixture.tree(status(gw, "/status/models").body()), id(MODEL))
                    .path("status").asText());

            // deleting one caller key's row revokes that key at once, and no other
            long deleted = etcd.delete(ROW_A);
            new GatewayFixture(gw).awaitRevision(deleted);
            HttpResponse<String> revoked = chat(gw, KEY_A, "gpt-fast");
            assertEquals(401, revoked.statusCode(), revoked.body());
            assertEquals(200, chat(gw, KEY_B, "gpt-fast").statusCode());
            assertEquals(1, GatewayFixture.tree(status(gw, "/status/config").body())
                    .at("/applied/resource_counts/api_keys").asInt());
        }
    }

    @Test
    void statusReadyIs503BeforeAnyConfiguration() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            String endpoint = etcd.endpoint();
            etcd.kill();
            try (TestGateway gw = TestGateway.start(dir, """
                    store: { backend: etcd, data_dir: %s }
                    etcd: { endpoints: [%s], prefix: /aisix }
                    metrics: { addr: 127.0.0.1:0 }
                    """.formatted(dir.resolve("data"), endpoint), null)) {
                HttpResponse<String> ready = status(gw, "/status/ready");
                assertEquals(503, ready.statusCode());
                assertEquals("no configuration available", ready.body());
                JsonNode config = GatewayFixture.tree(status(gw, "/status/config").body());
                assertEquals("never_loaded", config.path("state").asText(), config.toString());
                assertFalse(config.at("/source/connected").asBoolean());
                assertTrue(config.at("/applied/applied_revision").isNull());
                assertEquals("[]", status(gw, "/status/models").body());
            }
        }
    }

    private static String key(String plaintext) {
        return "{\"key_hash\":\"" + Digests.sha256Hex(plaintext) + "\",\"allowed_models\":[\"*\"]}";
    }

    private static String id(String etcdKey) {
        return etcdKey.substring(etcdKey.lastIndexOf('/') + 1);
    }

    private static JsonNode find(JsonNode list, String id) {
        for (JsonNode n : list) {
            if (id.equals(n.path("resource_id").asText(n.path("id").asText()))) {
                return n;
            }
        }
        throw new AssertionError(id + " not in " + list);
    }

    /** {@code /status/config} once the applied revision reached {@code rev} (it is counted just after the swap). */
    private static JsonNode config(TestGateway gw, long rev) {
        JsonNode[] c = new JsonNode[1];
        ParityGateway.await(() -> (c[0] = GatewayFixture.tree(status(gw, "/status/config").body()))
                .at("/applied/applied_revision").asLong() >= rev, "applied revision " + rev);
        return c[0];
    }

    private static HttpResponse<String> status(TestGateway gw, String path) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.metricsPort() + path)));
    }

    private static HttpResponse<String> chat(TestGateway gw, String key, String model) {
        return new GatewayFixture(gw).chat(key, "{\"model\":\"" + model
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }
}
