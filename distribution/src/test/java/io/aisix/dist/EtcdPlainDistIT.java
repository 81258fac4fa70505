package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.etcdctl;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-hosted production mode on a plain etcd: the tarball's gateway with {@code etcd.endpoints}
 * set, every resource kind through the Admin API (landing in etcd), a proxy request through the
 * mock upstream, and a row written with {@code etcdctl} served without a restart.
 */
@Timeout(120)
class EtcdPlainDistIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALLER = "sk-dist-caller-0123456789";
    static final Pattern ACCESS_LOG = Pattern.compile("^\\S+Z INFO aisix\\.access: \\{.*\\}$");
    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    static Path dir;
    static EtcdServer etcd;
    static MockUpstream mock;
    static InstalledGateway gw;

    @BeforeAll
    static void start() {
        etcd = EtcdServer.start();
        mock = MockUpstream.start();
        gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                etcd: { endpoints: [%s], prefix: /aisix }
                observability: { metrics: { prometheus: { addr: 127.0.0.1:0 } } }
                """.formatted(etcd.endpoint()));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        mock.close();
        etcd.close();
    }

    @Test
    void startsCleanlyOnEtcd() {
        assertTrue(gw.stdout().endsWith("store etcd " + etcd.endpoint() + " prefix /aisix\n"), gw.stdout());
        JsonNode health = read(gw.admin("GET", "/admin/v1/health", null));
        assertEquals("etcd", health.at("/config/store").asText(), health.toString());
        assertTrue(health.at("/config/connected").asBoolean(), health.toString());
        assertEquals(200, gw.get("proxy", "/readyz").statusCode());
        // nothing but access-log lines (other tests' requests): no JDK warning, no error, no stack trace
        assertEquals(List.of(), gw.stderr().lines().filter(l -> !ACCESS_LOG.matcher(l).matches()).toList());
    }

    /** AISIX's status endpoints on the metrics listener (AISIX's spelling of its address), not on the proxy. */
    @Test
    void statusEndpointsOnTheMetricsListener() {
        HttpResponse<String> ready = gw.get("metrics", "/status/ready");
        assertEquals(200, ready.statusCode());
        assertEquals("ok", ready.body());
        JsonNode config = read(gw.get("metrics", "/status/config"));
        assertEquals("etcd", config.at("/source/type").asText(), config.toString());
        assertTrue(config.at("/source/connected").asBoolean(), config.toString());
        assertTrue(config.at("/applied/applied_revision").asLong() > 0, config.toString());
        assertTrue(config.path("rejected").isArray() && config.at("/applied/resource_counts").has("models"),
                config.toString());
        assertTrue(read(gw.get("metrics", "/status/models")).isArray());
        assertEquals(200, gw.get("metrics", "/metrics").statusCode());
        assertEquals(404, gw.get("proxy", "/status/config").statusCode());
    }

    @Test
    void everyResourceKindThroughTheAdminApiLandsInEtcd() {
        String pk = create("provider_keys", """
                {"display_name":"crud-pk","provider":"openai","api_key":"sk-up-crud-123456","api_base":"%s"}"""
                .formatted(mock.openAiBase()));
        Map<String, String> rows = Map.of(
                "provider_keys", "{\"display_name\":\"crud-pk2\",\"provider\":\"openai\",\"api_key\":\"sk-up-crud-654321\"}",
                "models", "{\"display_name\":\"crud-model\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"gpt-4o\"}",
                "api_keys", "{\"display_name\":\"crud-key\",\"key\":\"sk-crud-caller-0123456789\"}",
                "guardrails", "{\"name\":\"crud-guard\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"literal\","
                        + "\"value\":\"forbidden\"}],\"applies_to\":[\"model:nothing-here\"]}",
                "cache_policies", "{\"name\":\"crud-cache\",\"ttl_seconds\":60,\"applies_to\":\"model:nothing-here\"}",
                "observability_exporters", "{\"name\":\"crud-exporter\",\"kind\":\"file\",\"enabled\":false,\"path\":\""
                        + dir.resolve("usage.jsonl") + "\"}",
                "rate_limit_policies", "{\"name\":\"crud-limit\",\"scope\":\"model\",\"scope_ref\":\"nothing-here\","
                        + "\"window\":\"minute\",\"max_requests\":1000}");
        for (Map.Entry<String, String> row : rows.entrySet()) {
            String kind = row.getKey();
            String id = create(kind, row.getValue());
            String path = "/admin/v1/" + kind + "/" + id;
            JsonNode one = read(gw.admin("GET", path, null));
            long revision = one.get("revision").asLong();
            assertTrue(list(kind).toString().contains("\"" + id + "\""), kind);
            assertTrue(etcdctl(etcd, null, "get", "/aisix/" + kind + "/" + id, "--print-value-only").contains("crud-"),
                    kind + " is stored in etcd");

            String changed = row.getValue().replace("crud-", "crud2-");
            HttpResponse<String> stale = gw.send(HttpRequest.newBuilder(gw.uri("admin", path))
                    .header("Authorization", "Bearer " + InstalledGateway.ADMIN_KEY).header("If-Match", "1")
                    .header("content-type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(changed)));
            assertEquals(412, stale.statusCode(), kind + ": " + stale.body());
            HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.uri("admin", path))
                    .header("Authorization", "Bearer " + InstalledGateway.ADMIN_KEY).header("If-Match", Long.toString(revision))
                    .header("content-type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(changed)));
            assertEquals(200, put.statusCode(), kind + ": " + put.body());
            assertTrue(put.body().contains("crud2-"), put.body());
            assertTrue(etcdctl(etcd, null, "get", "/aisix/" + kind + "/" + id, "--print-value-only").contains("crud2-"));

            HttpResponse<String> delete = gw.admin("DELETE", path, null);
            assertEquals(200, delete.statusCode(), kind + ": " + delete.body());
            assertEquals(404, gw.admin("GET", path, null).statusCode(), kind);
            assertEquals("", etcdctl(etcd, null, "get", "/aisix/" + kind + "/" + id).strip(), kind + " left etcd");
        }
        assertEquals(200, gw.admin("DELETE", "/admin/v1/provider_keys/" + pk, null).statusCode());
        assertFalse(gw.stderr().contains("SEVERE"), gw.stderr());
    }

    /**
     * An exporter row's own fields are its kind's, checked by the exporter plugin's
     * {@code validate} (in its own class loader) beside observe's common fields: one 400 lists both.
     */
    @Test
    void exporterKindsCheckTheirOwnFields() {
        HttpResponse<String> bad = gw.admin("POST", "/admin/v1/observability_exporters",
                "{\"name\":\"bad-file\",\"kind\":\"file\",\"sample_rate\":2,\"max_bytes\":10}");
        assertEquals(400, bad.statusCode(), bad.body());
        for (String path : List.of("/sample_rate", "/path", "/max_bytes")) {
            assertTrue(bad.body().contains("\"" + path + "\""), path + " in " + bad.body());
        }
        HttpResponse<String> slow = gw.admin("POST", "/admin/v1/observability_exporters",
                "{\"name\":\"bad-log\",\"kind\":\"http_log\",\"endpoint\":\"http://127.0.0.1:9/x\","
                        + "\"timeout_ms\":0}");
        assertEquals(400, slow.statusCode(), slow.body());
        assertTrue(slow.body().contains("\"/timeout_ms\""), slow.body());
        // file's field on an http_log row is not http_log's to check
        String id = create("observability_exporters", "{\"name\":\"log-with-max-bytes\",\"kind\":\"http_log\","
                + "\"enabled\":false,\"endpoint\":\"http://127.0.0.1:9/x\",\"max_bytes\":10}");
        assertEquals(200, gw.admin("DELETE", "/admin/v1/observability_exporters/" + id, null).statusCode());
    }

    @Test
    void proxiesThroughTheMockAndAppliesARowWrittenWithEtcdctl() {
        String pk = create("provider_keys", """
                {"display_name":"live-pk","provider":"openai","api_key":"sk-up-live-123456","api_base":"%s"}"""
                .formatted(mock.openAiBase()));
        create("models", "{\"display_name\":\"live\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"gpt-4o\"}");
        create("api_keys", "{\"display_name\":\"live-caller\",\"key\":\"" + CALLER + "\"}");
        mock.defaultScript(Script.reply("pong"));
        eventually("the alias is served", Duration.ofSeconds(10),
                () -> gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("live")).statusCode() == 200);
        HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("live"));
        assertEquals("pong", read(r).at("/choices/0/message/content").asText(), r.body());
        assertEquals("live", read(r).get("model").asText());

        // an operator (or a control plane) writes straight into etcd: served without a restart
        assertEquals(404, gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("from-etcdctl")).statusCode());
        etcdctl(etcd, null, "put", "/aisix/models/written-by-etcdctl",
                "{\"display_name\":\"from-etcdctl\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"gpt-4o-mini\"}");
        eventually("the etcdctl row is served", Duration.ofSeconds(10),
                () -> gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("from-etcdctl")).statusCode() == 200);
        assertEquals("gpt-4o-mini", mock.lastRequest().json().get("model").asText(), "the upstream model of that row");
    }

    /**
     * A model-scoped rate-limit policy from etcd holds its count while other rows change: the limits a
     * policy builds once per model are built again for a snapshot with other keys, on the same counter.
     */
    @Test
    void aRateLimitPolicyKeepsCountingAcrossKeyChanges() {
        String caller = "sk-dist-limited-0123456789";
        String other = "sk-dist-limited-other-0123";
        gw.serveOpenAiModel("limited", mock.openAiBase(), caller);
        // a day's window: a minute's could roll over between the requests
        String policy = create("rate_limit_policies", "{\"name\":\"limited-2\",\"scope\":\"model\","
                + "\"scope_ref\":\"limited\",\"window\":\"day\",\"max_requests\":2}");
        eventually("the policy refuses the third request", Duration.ofSeconds(10),
                () -> gw.proxy("POST", "/v1/chat/completions", caller, CHAT.formatted("limited")).statusCode() == 429);

        create("api_keys", "{\"display_name\":\"limited-other\",\"key\":\"" + other + "\"}");
        eventually("the new key is known (429, not 401): the model's count went on", Duration.ofSeconds(10),
                () -> gw.proxy("POST", "/v1/chat/completions", other, CHAT.formatted("limited")).statusCode() == 429);
        assertEquals(429, gw.proxy("POST", "/v1/chat/completions", caller, CHAT.formatted("limited")).statusCode());

        assertEquals(200, gw.admin("DELETE", "/admin/v1/rate_limit_policies/" + policy, null).statusCode());
        eventually("without the policy the model answers again", Duration.ofSeconds(10),
                () -> gw.proxy("POST", "/v1/chat/completions", other, CHAT.formatted("limited")).statusCode() == 200);
    }

    private static String create(String kind, String json) {
        HttpResponse<String> r = gw.admin("POST", "/admin/v1/" + kind, json);
        assertEquals(201, r.statusCode(), kind + ": " + r.body());
        return read(r).get("id").asText();
    }

    private static JsonNode list(String kind) {
        HttpResponse<String> r = gw.admin("GET", "/admin/v1/" + kind, null);
        assertEquals(200, r.statusCode(), r.body());
        return read(r);
    }

    static JsonNode read(HttpResponse<String> r) {
        return read(r.body());
    }

    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(body, e);
        }
    }
}
