package io.aisix.kernel.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.testsupport.TestGateway;
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

/**
 * The Admin API against a real gateway and its embedded store: what needs the running gateway
 * (writes reaching the snapshot, health, the loaded plugins, the stats services plugins feed, the
 * listeners' wiring). The resource routes alone run in memory in {@link AdminRoutesTest}.
 */
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

        // a row written behind the Admin API's back (by another tool, or before a plugin was removed)
        gw.gateway.store().put("provider_keys", "behind", ("{\"display_name\":\"behind\",\"provider\":\"openai\","
                + "\"api_key\":\"sk-behind-0123456789\",\"headers\":{\"Authorization\":\"Bearer hook-secret-abcd\"}}")
                .getBytes(), -1);
        HttpResponse<String> behind = gw.adminCall("GET", "/admin/v1/provider_keys/behind", null);
        assertEquals(200, behind.statusCode(), behind.body());
        assertEquals("Bea…abcd", json(behind).at("/value/headers/Authorization").asText());
        assertFalse(gw.adminCall("GET", "/admin/v1/provider_keys", null).body().contains("hook-secret"));
        // a row that is not even JSON is not echoed in clear for a kind with secrets
        gw.gateway.store().put("provider_keys", "junk", "not json Bearer hook-secret-abcd".getBytes(), -1);
        assertFalse(gw.adminCall("GET", "/admin/v1/provider_keys/junk", null).body().contains("hook-secret"));
    }

    @Test
    void healthReportsRevisionAndRejectedRows() throws Exception {
        gw.adminCall("POST", "/admin/v1/provider_keys", KEY);
        // a row written behind the Admin API's back (as another tool could) that fails validation
        gw.gateway.store().put("models", "broken", "{\"display_name\":42}".getBytes(), -1);
        JsonNode health = null;
        for (int i = 0; i < 100; i++) {
            health = json(gw.adminCall("GET", "/admin/v1/health", null));
            // the rejected row is recorded while revision 2 is applied, before its state serves
            if (health.at("/config/rejected").size() > 0 && health.at("/config/revision").asLong() >= 2) {
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
