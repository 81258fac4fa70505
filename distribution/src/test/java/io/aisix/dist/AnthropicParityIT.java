package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /v1/messages} as AISIX serves it (issue 19), driven with the official Anthropic Java SDK
 * against every built-in plugin as shipped and an Anthropic provider key on the mock: the request
 * and answer pass through (only {@code model} rewritten), {@code system} turns inside
 * {@code messages[]} are folded, streams record their tokens, prompt-cache counts are reported
 * (and fold into {@code total_tokens} on the OpenAI shape), {@code auto_prompt_caching} adds its
 * breakpoints, and an AISIX {@code pii} guardrail masks and blocks on this endpoint.
 */
@Timeout(90)
class AnthropicParityIT {
    @RegisterExtension
    static final ParityGateway p = new ParityGateway("{ timeout_ms: 10000, retries: 0 }");
    static AnthropicClient sdk;

    @BeforeAll
    static void start() {
        String key = p.fx.create("provider_keys", """
                {"display_name":"anthropic-main","provider":"anthropic","api_key":"sk-ant-mock-0123456789","api_base":"%s"}"""
                .formatted(p.mock.baseUrl()));
        p.fx.create("models", """
                {"display_name":"claude","provider":"anthropic","provider_key_id":"%s","model_name":"claude-sonnet-4-5"}"""
                .formatted(key));
        p.fx.create("models", """
                {"display_name":"claude-cached","provider":"anthropic","provider_key_id":"%s","model_name":"claude-haiku",
                 "auto_prompt_caching":{"enabled":true,"ttl":"1h"}}""".formatted(key));
        p.fx.create("models", """
                {"display_name":"claude-pii","provider":"anthropic","provider_key_id":"%s","model_name":"claude-haiku"}"""
                .formatted(key));
        // AISIX's pii row, attached to one model only
        String guardrail = p.fx.create("guardrails", """
                {"name":"pii-guard","kind":"pii","hook_point":"both","enforcement_mode":"block","default_action":"mask",
                 "detectors":[{"type":"email","action":"mask"},{"type":"us_ssn","action":"block"}]}""");
        p.fx.create("guardrail_attachments", """
                {"guardrail_id":"%s","scope_type":"model","scope_id":"%s","priority":10,"enabled":true}"""
                .formatted(guardrail, modelId("claude-pii")));
        sdk = AnthropicOkHttpClient.builder().apiKey(ParityGateway.CALLER).baseUrl(p.gw.proxy(""))
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    static String modelId(String alias) {
        for (JsonNode e : GatewayFixture.tree(p.gw.adminCall("GET", "/admin/v1/models", null).body())) {
            if (e.at("/value/display_name").asText().equals(alias)) {
                return e.path("id").asText();
            }
        }
        throw new AssertionError("no model " + alias);
    }

    @Test
    void theRequestAndAnswerPassThroughOnlyModelRewritten() {
        p.mock.enqueue(Script.reply("Bonjour.").usage(30, 4).cacheTokens(120, 16)
                .extraFields("{\"container\":{\"id\":\"cnt_1\"}}"));
        Message m = sdk.messages().create(MessageCreateParams.builder().model("claude").maxTokens(2048)
                .system("Be brief.").addUserMessage("Say hello in French.").putAdditionalBodyProperty("top_k", JsonValue.from(7)).enabledThinking(1024)
                .putAdditionalBodyProperty("x_future_field", JsonValue.from(Map.of("a", List.of(1, 2))))
                .build());
        assertEquals("claude", m.model().asString());
        assertEquals("Bonjour.", m.content().get(0).text().orElseThrow().text());
        assertEquals(30, m.usage().inputTokens());
        assertEquals(120L, m.usage().cacheReadInputTokens().orElseThrow());
        assertEquals(16L, m.usage().cacheCreationInputTokens().orElseThrow());

        JsonNode sent = p.mock.lastRequest().json();
        assertEquals("/v1/messages", p.mock.lastRequest().path());
        assertEquals("claude-sonnet-4-5", sent.path("model").asText());
        assertEquals(7, sent.path("top_k").asInt());
        assertEquals("enabled", sent.at("/thinking/type").asText());
        assertEquals(1024, sent.at("/thinking/budget_tokens").asInt());
        assertEquals(2, sent.at("/x_future_field/a/1").asInt());
        assertEquals("Be brief.", sent.path("system").asText());
        assertFalse(sent.has("stream_options") || sent.has("stop") || sent.has("user"), sent.toString());

        // unknown answer fields reach the caller (raw HTTP: the SDK's types drop them)
        p.mock.enqueue(Script.reply("x").extraFields("{\"container\":{\"id\":\"cnt_2\"}}"));
        HttpResponse<String> raw = p.messages("claude", false);
        assertEquals("cnt_2", GatewayFixture.tree(raw.body()).at("/container/id").asText(), raw.body());
    }

    @Test
    void aSystemTurnInsideMessagesIsFoldedIntoSystem() {
        p.mock.enqueue(Script.reply("ok"));
        HttpResponse<String> r = p.fx.post("/v1/messages", ParityGateway.CALLER, """
                {"model":"claude","max_tokens":32,"system":"You are terse.","messages":[
                  {"role":"system","content":"Answer in French."},{"role":"user","content":"hi"}]}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = p.mock.lastRequest().json();
        assertEquals("You are terse.\n\nAnswer in French.", sent.path("system").asText());
        assertEquals(1, sent.path("messages").size());
        assertEquals("user", sent.at("/messages/0/role").asText());
    }

    @Test
    void aStreamRecordsItsTokensAndCacheCounts() {
        String before = p.metrics();
        double prompt0 = Math.max(0, ParityGateway.value(before, "aisix_tokens_total", "model", "claude", "type", "prompt"));
        double completion0 = Math.max(0, ParityGateway.value(before, "aisix_tokens_total", "model", "claude",
                "type", "completion"));
        p.mock.enqueue(Script.reply("Streaming works fine.").deltas(5).usage(21, 6).cacheTokens(40, 3));
        StringBuilder text = new StringBuilder();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(MessageCreateParams.builder()
                .model("claude").maxTokens(64).addUserMessage("stream please").putAdditionalBodyProperty("top_k", JsonValue.from(3)).build())) {
            s.stream().forEach(e -> e.contentBlockDelta().flatMap(d -> d.delta().text())
                    .ifPresent(t -> text.append(t.text())));
        }
        assertEquals("Streaming works fine.", text.toString());
        assertEquals(3, p.mock.lastRequest().json().path("top_k").asInt());

        String after = p.metricsWhen(prompt0 + 64, "aisix_tokens_total", "model", "claude", "type", "prompt");
        assertEquals(prompt0 + 21 + 40 + 3, ParityGateway.value(after, "aisix_tokens_total", "model", "claude",
                "type", "prompt"), "prompt tokens count the cache reads and writes");
        assertEquals(completion0 + 6, ParityGateway.value(after, "aisix_tokens_total", "model", "claude",
                "type", "completion"));
        assertTrue(ParityGateway.value(after, "aisix_tokens_total", "model", "claude", "type", "cache_read") >= 40);
        assertTrue(ParityGateway.value(after, "aisix_tokens_total", "model", "claude", "type", "cache_creation") >= 3);
    }

    @Test
    void aStreamTranslatedFromAnOpenAiUpstreamRecordsItsTokensToo() {
        p.model("gpt-m", "");
        p.mock.enqueue(Script.reply("translated stream").deltas(3).usage(17, 5));
        HttpResponse<String> r = p.messages("gpt-m", true);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("translated stream", anthropicText(r.body()));
        String m = p.metricsWhen(17, "aisix_tokens_total", "model", "gpt-m", "type", "prompt");
        assertEquals(5, ParityGateway.value(m, "aisix_tokens_total", "model", "gpt-m", "type", "completion"));
        JsonNode event = p.usageEvent(ParityGateway.requestId(r));
        assertEquals(17, event.path("prompt_tokens").asInt(), event.toString());
        assertEquals(5, event.path("completion_tokens").asInt());
        assertTrue(event.path("stream").asBoolean());
    }

    @Test
    void cacheCountsAreInTheUsageEventAndFoldIntoTotalTokensOnTheOpenAiShape() {
        p.mock.enqueue(Script.reply("counted").usage(10, 5).cacheTokens(200, 30));
        HttpResponse<String> r = p.chat("claude", false);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode usage = GatewayFixture.tree(r.body()).path("usage");
        assertEquals(240, usage.path("prompt_tokens").asInt(), usage.toString());
        assertEquals(200, usage.at("/prompt_tokens_details/cached_tokens").asInt());
        assertEquals(245, usage.path("total_tokens").asInt());

        JsonNode event = p.usageEvent(ParityGateway.requestId(r));
        assertEquals(200, event.path("cache_read_tokens").asInt(), event.toString());
        assertEquals(30, event.path("cache_creation_tokens").asInt());
        assertEquals(245, event.path("total_tokens").asInt());
    }

    @Test
    void autoPromptCachingMarksTheSystemPromptAndTheFinalMessage() {
        p.mock.enqueue(Script.reply("cached"), Script.reply("cached"));
        sdk.messages().create(MessageCreateParams.builder().model("claude-cached").maxTokens(32)
                .system("A long, stable system prompt.").addUserMessage("first").addAssistantMessage("ok")
                .addUserMessage("second").build());
        JsonNode sent = p.mock.lastRequest().json();
        assertEquals("1h", sent.at("/system/0/cache_control/ttl").asText(), sent.toString());
        assertEquals("ephemeral", sent.at("/system/0/cache_control/type").asText());
        assertEquals("second", sent.at("/messages/2/content/0/text").asText());
        assertEquals("1h", sent.at("/messages/2/content/0/cache_control/ttl").asText());
        assertFalse(sent.at("/messages/0/content").isArray(), "earlier turns untouched");

        // the same alias through the OpenAI shape
        HttpResponse<String> r = p.chat("claude-cached", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("1h", p.mock.lastRequest().json().at("/messages/0/content/0/cache_control/ttl").asText());
    }

    @Test
    void anAisixPiiGuardrailMasksAndBlocksOnMessages() {
        // input: the upstream receives the masked request, in the caller's own wire
        p.mock.enqueue(Script.reply("noted"));
        HttpResponse<String> in = p.fx.post("/v1/messages", ParityGateway.CALLER, """
                {"model":"claude-pii","max_tokens":32,"top_k":2,"messages":[{"role":"user","content":"mail jane@example.com"}]}""");
        assertEquals(200, in.statusCode(), in.body());
        JsonNode sent = p.mock.lastRequest().json();
        assertEquals("mail [EMAIL_REDACTED]", sent.at("/messages/0/content").asText());
        assertEquals(2, sent.path("top_k").asInt());

        // output, whole answer
        p.mock.enqueue(Script.reply("write to bob.smith@example.org"));
        HttpResponse<String> out = p.messages("claude-pii", false);
        assertEquals("write to [EMAIL_REDACTED]", GatewayFixture.tree(out.body()).at("/content/0/text").asText(),
                out.body());

        // output, streamed with the address split across many events
        p.mock.enqueue(Script.reply("reach carol.jones@example.com soon").deltas(12));
        HttpResponse<String> stream = p.messages("claude-pii", true);
        String streamed = anthropicText(stream.body());
        assertEquals("reach [EMAIL_REDACTED] soon", streamed, stream.body());
        assertFalse(stream.body().contains("carol"), stream.body());

        // a blocking detector: 422, Anthropic envelope, the value never echoed, no upstream call
        int calls = p.mock.requestCount();
        HttpResponse<String> blocked = p.fx.post("/v1/messages", ParityGateway.CALLER, """
                {"model":"claude-pii","max_tokens":32,"messages":[{"role":"user","content":"my ssn is 123-45-6789"}]}""");
        assertEquals(422, blocked.statusCode(), blocked.body());
        JsonNode err = GatewayFixture.tree(blocked.body());
        assertEquals("error", err.path("type").asText());
        assertEquals("invalid_request_error", err.at("/error/type").asText());
        assertTrue(err.at("/error/message").asText().contains("pii-guard"), blocked.body());
        assertFalse(blocked.body().contains("123-45-6789"));
        assertEquals(calls, p.mock.requestCount());

        // attached to claude-pii only: another model is not inspected
        p.mock.enqueue(Script.reply("fine"));
        HttpResponse<String> other = p.fx.post("/v1/messages", ParityGateway.CALLER, """
                {"model":"claude","max_tokens":32,"messages":[{"role":"user","content":"my ssn is 123-45-6789"}]}""");
        assertEquals(200, other.statusCode(), other.body());
        assertEquals("my ssn is 123-45-6789", p.mock.lastRequest().json().at("/messages/0/content").asText());
    }

    /** The text of an Anthropic event stream's text deltas. */
    static String anthropicText(String sse) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : GatewayFixture.events(sse)) {
            if (e.path("type").asText().equals("content_block_delta")) {
                sb.append(e.at("/delta/text").asText(""));
            }
        }
        return sb.toString();
    }

}
