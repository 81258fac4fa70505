package io.aisix.dist;

import static io.aisix.dist.ParityGateway.requestId;
import static io.aisix.dist.ParityGateway.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Cost arithmetic with every shipped plugin (issue 26): what a request costs is the answering
 * target's {@code cost} times the usage it reported, whatever tries failed before it; a stream is
 * priced from the usage at its end; a cache hit costs nothing and records what it saved; and a warn
 * budget's threshold crossings travel in the request's usage event. Checked in the usage event
 * (the access log's JSON) and in {@code aisix_cost_usd_total}. Each test has aliases of its own.
 */
@Timeout(60)
class SpendCostIT {
    @RegisterExtension
    static final ParityGateway pg = new ParityGateway("{ retries: 0 }");

    @Test
    void aFailedOverRequestCostsWhatTheTargetThatAnsweredCharges() {
        pg.model("fo-a", "\"retries\":0,\"cost\":{\"input_per_1k\":1,\"output_per_1k\":1}");
        pg.model("fo-b", "\"cost\":{\"input_per_1k\":10,\"output_per_1k\":20}");
        pg.routing("fo", "{\"strategy\":\"failover\",\"targets\":[{\"model\":\"fo-a\"},{\"model\":\"fo-b\"}]}", "");
        pg.mock.enqueue(Script.fail(500), Script.reply("rescued").usage(100, 50));
        HttpResponse<String> r = pg.chat("fo", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("fo-b", r.headers().firstValue("x-aisix-served-by").orElseThrow());
        JsonNode event = pg.usageEvent(requestId(r));
        assertEquals(2, event.path("upstream_attempts").size());
        // 100 prompt tokens at $10 per 1k + 50 completion tokens at $20 per 1k; the failed try reported no usage
        assertEquals(2.0, event.path("cost_usd").asDouble(), 1e-9, event.toString());
        String m = pg.metricsWhen(2.0, "aisix_cost_usd_total", "model", "fo");
        assertEquals(2.0, value(m, "aisix_cost_usd_total", "model", "fo", "provider", "openai"), 1e-9);
    }

    @Test
    void aStreamIsPricedFromTheUsageAtItsEnd() {
        pg.model("st", "\"cost\":{\"input_per_1k\":2,\"output_per_1k\":4}");
        pg.mock.defaultScript(Script.reply("streamed words").deltas(3).usage(30, 40));
        HttpResponse<String> r = pg.chat("st", true);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("data: [DONE]"), r.body());
        JsonNode event = pg.usageEvent(requestId(r));
        assertTrue(event.path("stream").asBoolean());
        assertEquals(30, event.path("prompt_tokens").asInt(), event.toString());
        assertEquals(0.22, event.path("cost_usd").asDouble(), 1e-9, event.toString());
        assertEquals(0.22, value(pg.metricsWhen(0.22, "aisix_cost_usd_total", "model", "st"), "aisix_cost_usd_total",
                "model", "st"), 1e-9);
    }

    @Test
    void aCacheHitCostsNothingAndRecordsWhatItSaved() {
        pg.model("ch", "\"cost\":{\"input_per_1k\":1,\"output_per_1k\":2}");
        pg.fx.create("cache_policies", "{\"name\":\"ch-cache\",\"backend\":\"memory\",\"ttl_seconds\":300,"
                + "\"applies_to\":\"model:ch\"}");
        pg.mock.defaultScript(Script.reply("cached").usage(100, 100));
        HttpResponse<String> miss = pg.chat("ch", false);
        assertEquals("miss", miss.headers().firstValue("x-aisix-cache").orElse(""), miss.body());
        assertEquals(0.3, pg.usageEvent(requestId(miss)).path("cost_usd").asDouble(), 1e-9);
        pg.metricsWhen(0.3, "aisix_cost_usd_total", "model", "ch"); // the miss wrote its entry once recorded
        HttpResponse<String> hit = pg.chat("ch", false);
        assertEquals("hit", hit.headers().firstValue("x-aisix-cache").orElse(""), hit.body());
        JsonNode event = pg.usageEvent(requestId(hit));
        assertEquals(0, event.path("cost_usd").asDouble(), 0, event.toString());
        assertEquals(0.3, event.path("cost_saved_usd").asDouble(), 1e-9, event.toString());
        String m = pg.metricsWhen(0.3, "aisix_cost_saved_usd_total", "model", "ch");
        assertEquals(0.3, value(m, "aisix_cost_usd_total", "model", "ch"), 1e-9, "the hit added no spend");
        assertEquals(1, pg.mock.requestCount());
    }

    @Test
    void unpricedModelsHaveNoCostField() {
        pg.model("plain", "");
        HttpResponse<String> r = pg.chat("plain", false);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode event = pg.usageEvent(requestId(r));
        assertFalse(event.has("cost_usd"), event.toString());
        assertEquals(-1, value(pg.metrics(), "aisix_cost_usd_total", "model", "plain"));
    }

    @Test
    void aWarnBudgetsCrossingsTravelInTheUsageEvent() {
        pg.model("al", "\"cost\":{\"input_per_1k\":1,\"output_per_1k\":1}");
        pg.fx.create("budgets", "{\"name\":\"al-watch\",\"max_usd\":0.5,\"mode\":\"warn\",\"scope\":\"model\","
                + "\"scope_ref\":\"al\"}");
        pg.mock.defaultScript(Script.reply("ok").usage(200, 200)); // $0.40 each
        HttpResponse<String> first = pg.chat("al", false);
        JsonNode e1 = pg.usageEvent(requestId(first));
        List<String> alerts = new ArrayList<>();
        e1.path("budget_alerts").forEach(a -> alerts.add(a.asText()));
        assertEquals(List.of("al-watch:50", "al-watch:80"), alerts, "$0.40 of $0.50: " + e1);
        HttpResponse<String> second = pg.chat("al", false);
        assertEquals(200, second.statusCode(), "warn budgets never refuse");
        JsonNode e2 = pg.usageEvent(requestId(second));
        alerts.clear();
        e2.path("budget_alerts").forEach(a -> alerts.add(a.asText()));
        assertEquals(List.of("al-watch:100"), alerts, e2.toString());
        HttpResponse<String> third = pg.chat("al", false);
        assertFalse(pg.usageEvent(requestId(third)).has("budget_alerts"), "each threshold once per period");
    }

    @Test
    void imagesArePricedPerImageTheAnswerCarried() {
        pg.fx.create("models", "{\"display_name\":\"img\",\"provider\":\"openai\",\"provider_key_id\":\""
                + pg.providerKeyId + "\",\"model_name\":\"gpt-image-1\",\"cost\":{\"input_per_1k\":1,"
                + "\"output_per_1k\":2,\"per_image\":0.04}}");
        pg.mock.defaultScript(Script.reply("x").usage(10, 20));
        HttpResponse<String> r = pg.fx.post("/v1/images/generations", ParityGateway.CALLER,
                "{\"model\":\"img\",\"prompt\":\"a lighthouse\",\"n\":3}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode event = pg.usageEvent(requestId(r));
        // 3 images at $0.04 + 10 input tokens at $1 per 1k + 20 output tokens at $2 per 1k
        assertEquals(0.12 + 0.01 + 0.04, event.path("cost_usd").asDouble(), 1e-9, event.toString());
    }

    @Test
    void transcriptionsArePricedPerSecondOfAudio() throws Exception {
        pg.fx.create("models", "{\"display_name\":\"stt\",\"provider\":\"openai\",\"provider_key_id\":\""
                + pg.providerKeyId + "\",\"model_name\":\"whisper-1\",\"cost\":{\"input_per_1k\":0,"
                + "\"output_per_1k\":0,\"per_second\":0.0001}}");
        byte[] audio = new byte[30_000]; // the mock reports one second per 1000 bytes: 30 s
        String head = "--b0\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nstt\r\n"
                + "--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        body.writeBytes(audio);
        body.writeBytes("\r\n--b0--\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        HttpResponse<String> r = pg.gw.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(pg.gw.proxy("/v1/audio/transcriptions")))
                .header("authorization", "Bearer " + ParityGateway.CALLER)
                .header("content-type", "multipart/form-data; boundary=b0")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode event = pg.usageEvent(requestId(r));
        assertEquals(0.003, event.path("cost_usd").asDouble(), 1e-9, "30 s at $0.0001: " + event);
    }
}
