package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.testkit.Script;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /admin/v1/stats} and {@code GET /admin/v1/spend} with every shipped plugin (issue 26):
 * requests through the proxy to a priced model reach the kernel's ring through the observe plugin,
 * and a budget's counter through the budgets plugin's report. Recording happens after the response
 * was sent, so reads poll (bounded) for the expected figures.
 */
@Timeout(60)
class ConsoleStatsIT {
    @TempDir
    static Path dir;
    static GatewayFixture fx;
    static String callerId;

    @BeforeAll
    static void start() throws Exception {
        fx = new GatewayFixture(dir);
        String openai = fx.idOf("provider_keys", "openai");
        callerId = fx.idOf("api_keys", "app");
        // the budget first: snapshots apply in store order, so a request that finds the model finds it too
        fx.create("budgets", "{\"name\":\"stats-global\",\"max_usd\":10,\"mode\":\"hard\",\"period\":\"day\"}");
        fx.create("models", "{\"display_name\":\"stats-priced\",\"provider_key_id\":\"" + openai
                + "\",\"model_name\":\"gpt-4o\",\"cost\":{\"input_per_1k\":0.01,\"output_per_1k\":0.02}}");
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    private static JsonNode awaitDoc(String path, Predicate<JsonNode> done) throws InterruptedException {
        JsonNode doc = null;
        for (int i = 0; i < 200; i++) {
            doc = GatewayFixture.read(fx.gw.adminCall("GET", path, null).body());
            if (done.test(doc)) {
                return doc;
            }
            Thread.sleep(25);
        }
        throw new AssertionError(path + " never reached the expected figures: " + doc);
    }

    private static JsonNode series(JsonNode doc, String name) {
        for (JsonNode s : doc.get("series")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        return null;
    }

    @Test
    void requestsThroughTheProxyShowInStatsByModelAndKeyAndInTheBudgetsCounter() throws Exception {
        fx.mock.reset();
        fx.mock.defaultScript(Script.reply("priced").usage(1000, 500)); // $0.02 a request
        int ok = 0;
        for (int i = 0; i < 200 && ok < 4; i++) { // the first ones may precede the model's snapshot
            ok += fx.post("/v1/chat/completions", GatewayFixture.CALLER,
                    "{\"model\":\"stats-priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .statusCode() == 200 ? 1 : 0;
        }
        assertEquals(4, ok);

        JsonNode byModel = awaitDoc("/admin/v1/stats?by=model", d -> {
            JsonNode s = series(d, "stats-priced");
            return s != null && s.at("/totals/requests").asLong() == 4;
        });
        JsonNode priced = series(byModel, "stats-priced");
        assertEquals(4000, priced.at("/totals/prompt_tokens").asLong());
        assertEquals(2000, priced.at("/totals/completion_tokens").asLong());
        assertEquals(0.08, priced.at("/totals/cost_usd").asDouble(), 1e-9);
        assertEquals(0, priced.at("/totals/errors").asLong());
        assertTrue(priced.at("/totals/p99_ms").asDouble() >= priced.at("/totals/p50_ms").asDouble());
        assertEquals(4, priced.get("requests").get(59).asLong() + priced.get("requests").get(58).asLong(),
                "counted in the current minute (or the one before, across a minute's turn)");

        JsonNode byKey = awaitDoc("/admin/v1/stats?window=24h&by=key", d -> {
            JsonNode s = series(d, callerId);
            return s != null && s.at("/totals/cost_usd").asDouble() >= 0.08 - 1e-9;
        });
        assertEquals(96, byKey.get("buckets").size());
        assertEquals(0.08, series(byKey, callerId).at("/totals/cost_usd").asDouble(), 1e-9);

        JsonNode spend = awaitDoc("/admin/v1/spend?budget=stats-global",
                d -> d.get("counters").size() == 1 && d.at("/counters/0/spent_usd").asDouble() >= 0.08 - 1e-9);
        assertTrue(spend.get("available").asBoolean());
        JsonNode c = spend.at("/counters/0");
        assertEquals("*", c.get("subject").asText());
        assertEquals(0.08, c.get("spent_usd").asDouble(), 1e-9);
        assertEquals(10, c.get("max_usd").asDouble());
        assertEquals("hard", c.get("mode").asText());
        assertTrue(c.get("period_end").asText().endsWith("T00:00:00Z"), c.toString());
    }
}
