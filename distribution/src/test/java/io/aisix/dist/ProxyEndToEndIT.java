package io.aisix.dist;

import static io.aisix.dist.GatewayFixture.CALLER;
import static io.aisix.dist.GatewayFixture.LIMITED;
import static io.aisix.dist.GatewayFixture.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.RawSse;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy data path through every adapter as shipped, against the mock upstream speaking each
 * provider's wire format: endpoints, streaming, routing, and the error table of API.md section 5.
 */
@Timeout(60)
class ProxyEndToEndIT {
    private static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]%s}";

    @TempDir
    static Path dir;
    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new GatewayFixture(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.mock.reset();
    }

    private static HttpResponse<String> chat(String model, String extra, String... headers) {
        return fx.post("/v1/chat/completions", CALLER, CHAT.formatted(model, extra), headers);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt", "claude", "gem", "az", "ds", "openai/gpt-4.1"})
    void chatThroughEveryAdapter(String alias) {
        fx.mock.enqueue(Script.reply("pong"));
        HttpResponse<String> r = chat(alias, "");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = read(r.body());
        assertEquals(alias, body.get("model").asText());
        assertEquals("pong", body.at("/choices/0/message/content").asText());
        assertTrue(body.at("/usage/total_tokens").asInt() > 0);
        assertTrue(r.headers().firstValue("x-aisix-request-id").isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt", "claude", "gem", "az"})
    void streamThroughEveryAdapter(String alias) {
        fx.mock.enqueue(Script.reply("a b c").deltas(3));
        HttpResponse<String> r = chat(alias, ",\"stream\":true");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        StringBuilder text = new StringBuilder();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = read(line.substring(6));
                assertEquals(alias, chunk.get("model").asText());
                text.append(chunk.at("/choices/0/delta/content").asText(""));
            }
        }
        assertEquals("a b c", text.toString());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
    }

    @Test
    void streamsOneAfterAnotherShareOneUpstreamConnection() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            fx.mock.enqueue(Script.reply("a b c").deltas(3));
            HttpResponse<String> r = chat("gpt", ",\"stream\":true");
            assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
            // the mock ends the chunked body just after [DONE]; the connection is pooled when that arrives
            Thread.sleep(100);
        }
        assertEquals(1, fx.mock.connectionsUsed(), "each stream reused the connection of the one before");
    }

    @Test
    void requestIdIsKeptAndForwardedUpstream() {
        fx.mock.enqueue(Script.reply("x"));
        HttpResponse<String> r = chat("gpt", "", "x-aisix-request-id", "trace-123");
        assertEquals("trace-123", r.headers().firstValue("x-aisix-request-id").orElseThrow());
        assertEquals("trace-123", fx.mock.lastRequest().header("x-aisix-request-id").orElseThrow());
    }

    @Test
    void unknownFieldsPassThroughAndUsageIsRequestedForStreams() {
        fx.mock.enqueue(Script.reply("x").deltas(2));
        chat("gpt", ",\"stream\":true,\"seed\":7,\"x_custom\":{\"a\":1}");
        JsonNode sent = fx.mock.lastRequest().json();
        assertEquals(7, sent.get("seed").asInt());
        assertEquals(1, sent.at("/x_custom/a").asInt());
        assertTrue(sent.at("/stream_options/include_usage").asBoolean());
    }

    @Test
    void completionsEmbeddingsAndResponses() {
        HttpResponse<String> c = fx.post("/v1/completions", CALLER, "{\"model\":\"gpt\",\"prompt\":\"say hi\"}");
        assertEquals(200, c.statusCode(), c.body());
        assertEquals("gpt", read(c.body()).get("model").asText());
        HttpResponse<String> e = fx.post("/v1/embeddings", CALLER, "{\"model\":\"emb\",\"input\":[\"a\",\"b\"]}");
        assertEquals(200, e.statusCode(), e.body());
        assertEquals(2, read(e.body()).get("data").size());
        HttpResponse<String> resp = fx.post("/v1/responses", CALLER, "{\"model\":\"gpt\",\"input\":\"hi\"}");
        assertEquals(200, resp.statusCode(), resp.body());
        assertEquals("gpt", read(resp.body()).get("model").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt", "claude"})
    void anthropicMessagesInAnyProviderBehind(String alias) {
        fx.mock.enqueue(Script.reply("bonjour"));
        HttpResponse<String> r = fx.post("/v1/messages", null, """
                {"model":"%s","max_tokens":100,"system":"be brief","messages":[{"role":"user","content":"hello"}]}"""
                .formatted(alias), "x-api-key", CALLER, "anthropic-version", "2023-06-01");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = read(r.body());
        assertEquals("message", body.get("type").asText());
        assertEquals(alias, body.get("model").asText());
        assertEquals("bonjour", body.at("/content/0/text").asText());
        assertEquals("end_turn", body.get("stop_reason").asText());

        fx.mock.enqueue(Script.reply("s t r").deltas(3));
        HttpResponse<String> s = fx.post("/v1/messages", null, """
                {"model":"%s","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hello"}]}"""
                .formatted(alias), "x-api-key", CALLER, "anthropic-version", "2023-06-01");
        assertEquals(200, s.statusCode(), s.body());
        assertTrue(s.body().startsWith("event: message_start"), s.body());
        assertTrue(s.body().contains("event: content_block_delta") && s.body().contains("event: message_stop"), s.body());
        assertFalse(s.body().contains("[DONE]"));
    }

    @Test
    void anthropicEnvelopeOnMessagesErrors() {
        HttpResponse<String> r = fx.post("/v1/messages", null,
                "{\"model\":\"nope\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "x-api-key", CALLER);
        assertEquals(404, r.statusCode());
        assertEquals("error", read(r.body()).get("type").asText());
        assertEquals("not_found_error", read(r.body()).at("/error/type").asText());
    }

    @Test
    void streamEventsArriveBeforeTheUpstreamFinished() throws Exception {
        fx.mock.enqueue(Script.reply("one two three four").deltas(4).pauseAfter(3));
        try (RawSse sse = RawSse.open(fx.gw.gateway.proxyPort(), "/v1/chat/completions", CALLER,
                CHAT.formatted("gpt", ",\"stream\":true"))) {
            assertEquals(200, sse.status());
            int deltas = 0;
            while (deltas < 2) {
                if (!read(sse.nextData()).at("/choices/0/delta/content").asText("").isEmpty()) {
                    deltas++;
                }
            }
            assertTrue(fx.mock.awaitPaused(1, Duration.ofSeconds(5)), "the upstream still holds the rest");
            fx.mock.resume();
            assertTrue(sse.drain() >= 2);
        }
    }

    @Test
    void callerDisconnectCancelsTheUpstream() throws Exception {
        // the rest comes slowly, so the upstream is still sending when the gateway notices the hang-up
        fx.mock.enqueue(Script.reply("a b c d e f").deltas(6).pauseAfter(2).deltaDelay(Duration.ofMillis(200)));
        RawSse sse = RawSse.open(fx.gw.gateway.proxyPort(), "/v1/chat/completions", CALLER,
                CHAT.formatted("gpt", ",\"stream\":true"));
        sse.firstData();
        assertTrue(fx.mock.awaitPaused(1, Duration.ofSeconds(5)));
        sse.close();
        fx.mock.resume();
        assertTrue(fx.mock.awaitStreamsCancelled(1, Duration.ofSeconds(10)), "upstream call cancelled");
    }

    @Test
    void failoverToTheNextTargetNamesTheServer() {
        fx.routing("fo", "fo-a", "fo-b");
        fx.mock.enqueue(Script.fail(500), Script.fail(500), Script.reply("from b"));
        HttpResponse<String> r = chat("fo", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("fo-b", r.headers().firstValue("x-aisix-served-by").orElseThrow());
        assertEquals("fo", read(r.body()).get("model").asText());
        assertEquals("from b", read(r.body()).at("/choices/0/message/content").asText());
        assertEquals(3, fx.mock.requestCount(), "a once, then b with one retry (upstream.retries: 1)");
    }

    @Test
    void everyCandidateDownIs503WithRetryAfter() {
        fx.routing("down", "down-a", "down-b");
        fx.mock.defaultScript(Script.fail(503));
        try {
            HttpResponse<String> r = chat("down", "");
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("all_candidates_unavailable", read(r.body()).at("/error/code").asText());
            assertTrue(r.headers().firstValue("retry-after").isPresent());
        } finally {
            fx.mock.defaultScript(Script.defaults());
        }
    }

    @Test
    void upstreamErrorsAreTranslated() {
        fx.mock.enqueue(Script.fail(500).rawErrorBody("{\"error\":\"internal db password leaked\"}"),
                Script.fail(500).rawErrorBody("{\"error\":\"internal db password leaked\"}"));
        HttpResponse<String> five = chat("gpt", "");
        assertEquals(502, five.statusCode());
        assertEquals("upstream_error", read(five.body()).at("/error/code").asText());
        assertFalse(five.body().contains("password"), "5xx bodies are never echoed");

        fx.mock.enqueue(Script.fail(400).errorMessage("max_tokens is too large"));
        HttpResponse<String> four = chat("gpt", "");
        assertEquals(400, four.statusCode());
        assertTrue(four.body().contains("max_tokens is too large"), four.body());

        fx.mock.enqueue(Script.fail(429).retryAfter("7"));
        HttpResponse<String> limited = chat("gpt", "");
        assertEquals(429, limited.statusCode());
        assertEquals("rate_limit_exceeded", read(limited.body()).at("/error/code").asText());

        fx.mock.enqueue(Script.reply("x").garbage(), Script.reply("x").garbage());
        assertEquals(502, chat("gpt", "").statusCode());
    }

    @Test
    void brokenStreamBecomesAnErrorFrame() {
        fx.mock.enqueue(Script.reply("a b c d").deltas(4).breakAfter(2));
        HttpResponse<String> r = chat("gpt", ",\"stream\":true");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("event: error"), r.body());
        assertFalse(r.body().contains("[DONE]"));
    }

    @Test
    void idleUpstreamStreamTimesOut() {
        fx.mock.enqueue(Script.reply("a b").deltas(2).hangAfter(1));
        HttpResponse<String> r = chat("gpt", ",\"stream\":true");
        assertTrue(r.body().contains("event: error") && r.body().contains("timeout"), r.body());
    }

    @Test
    void clientErrors() {
        assertEquals(401, fx.post("/v1/chat/completions", null, CHAT.formatted("gpt", "")).statusCode());
        assertEquals(401, fx.post("/v1/chat/completions", "sk-nope", CHAT.formatted("gpt", "")).statusCode());
        HttpResponse<String> denied = fx.post("/v1/chat/completions", LIMITED, CHAT.formatted("claude", ""));
        assertEquals(403, denied.statusCode());
        assertEquals("permission_denied", read(denied.body()).at("/error/type").asText());
        HttpResponse<String> missing = chat("nope", "");
        assertEquals(404, missing.statusCode());
        assertEquals("model_not_found", read(missing.body()).at("/error/code").asText());
        HttpResponse<String> bad = fx.post("/v1/chat/completions", CALLER, "{\"model\": gpt");
        assertEquals(400, bad.statusCode());
        assertEquals("invalid_request_error", read(bad.body()).at("/error/type").asText());
        assertEquals(0, fx.mock.requestCount());
    }
}
