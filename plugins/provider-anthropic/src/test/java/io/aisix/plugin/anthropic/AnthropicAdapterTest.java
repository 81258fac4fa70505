package io.aisix.plugin.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestStreams;
import io.aisix.testkit.TestTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnthropicAdapterTest extends MockUpstreamTestBase {
    final AnthropicAdapter adapter = new AnthropicAdapter();

    static final String CHAT = """
            {"model":"claude","messages":[{"role":"user","content":"hi"}]}""";
    static final String CHAT_STREAM = """
            {"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    @BeforeEach
    void requireKey() {
        mock.requireApiKey("sk-ant-test-key");
    }

    static TestTarget base() {
        return TestTarget.builder("anthropic").alias("claude").upstreamModel("claude-sonnet-4-5")
                .apiBase(mock.baseUrl()).apiKey("sk-ant-test-key");
    }

    static Target target() {
        return base().build();
    }

    static TestExchange exchange(String json) {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json(json).requestId("rid-9").build();
    }

    @Test
    void registeredWithServiceLoader() {
        List<String> ids = registeredAdapterIds();
        assertTrue(ids.contains("anthropic"), ids.toString());
        List<FilterFactory> filters = new ArrayList<>();
        ServiceLoader.load(FilterFactory.class).forEach(filters::add);
        FilterFactory f = filters.stream().filter(x -> x.id().equals("provider-anthropic:messages")).findFirst().orElseThrow();
        assertEquals(Stage.INGRESS, f.stage());
        assertEquals(500, f.order());
        assertTrue(adapter.supports(Endpoint.MESSAGES));
        assertFalse(adapter.supports(Endpoint.EMBEDDINGS));
    }

    @Test
    void requestTranslation() throws Exception {
        String body = """
                {"model":"claude","temperature":0.3,"top_p":0.9,"stop":"END","user":"u-1","seed":5,
                 "response_format":{"type":"text"},"parallel_tool_calls":false,"tool_choice":"required",
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"developer","content":"Answer in French."},
                  {"role":"user","content":[{"type":"text","text":"What is this?"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                    {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"18C"},
                  {"role":"user","content":"thanks"}]}""";
        mock.enqueue(Script.reply("ok"));
        adapter.invoke(exchange(body), target(), client);

        RecordedRequest rec = mock.lastRequest();
        assertEquals("/v1/messages", rec.path());
        assertEquals("sk-ant-test-key", rec.header("x-api-key").orElseThrow());
        assertEquals("2023-06-01", rec.header("anthropic-version").orElseThrow());
        assertEquals("rid-9", rec.header("x-aisix-request-id").orElseThrow());
        assertTrue(rec.header("authorization").isEmpty());
        JsonNode a = rec.json();
        assertEquals("claude-sonnet-4-5", a.path("model").asText());
        assertEquals("You are terse.\n\nAnswer in French.", a.path("system").asText());
        assertEquals(4096, a.path("max_tokens").asInt(), "the Anthropic default when absent");
        assertEquals(0.3, a.path("temperature").asDouble());
        assertEquals(0.9, a.path("top_p").asDouble());
        assertEquals("END", a.at("/stop_sequences/0").asText());
        assertEquals("u-1", a.at("/metadata/user_id").asText());
        assertFalse(a.has("seed") || a.has("response_format") || a.has("stream"), a.toString());
        assertEquals("get_weather", a.at("/tools/0/name").asText());
        assertEquals("object", a.at("/tools/0/input_schema/type").asText());
        assertEquals("any", a.at("/tool_choice/type").asText());
        assertTrue(a.at("/tool_choice/disable_parallel_tool_use").asBoolean());

        JsonNode msgs = a.path("messages");
        assertEquals(3, msgs.size(), msgs.toString());
        assertEquals("user", msgs.at("/0/role").asText());
        assertEquals("base64", msgs.at("/0/content/1/source/type").asText());
        assertEquals("image/png", msgs.at("/0/content/1/source/media_type").asText());
        assertEquals("iVBORw0KGgo=", msgs.at("/0/content/1/source/data").asText());
        assertEquals("url", msgs.at("/0/content/2/source/type").asText());
        assertEquals("assistant", msgs.at("/1/role").asText());
        assertEquals("tool_use", msgs.at("/1/content/0/type").asText());
        assertEquals("Paris", msgs.at("/1/content/0/input/city").asText());
        // the tool result and the follow-up share one user turn, tool result first
        assertEquals("user", msgs.at("/2/role").asText());
        assertEquals("tool_result", msgs.at("/2/content/0/type").asText());
        assertEquals("call_1", msgs.at("/2/content/0/tool_use_id").asText());
        assertEquals("18C", msgs.at("/2/content/0/content").asText());
        assertEquals("thanks", msgs.at("/2/content/1/text").asText());
    }

    @Test
    void maxTokensAndSystemBlocks() {
        mock.enqueue(Script.reply("ok"));
        adapter.invoke(exchange("""
                {"model":"c","max_completion_tokens":77,"tool_choice":{"type":"function","function":{"name":"f"}},
                 "tools":[{"type":"function","function":{"name":"f"}}],
                 "messages":[{"role":"system","content":[{"type":"text","text":"cached","cache_control":{"type":"ephemeral"}}]},
                             {"role":"user","content":"hi"}]}"""), target(), client);
        JsonNode a = mock.lastRequest().json();
        assertEquals(77, a.path("max_tokens").asInt());
        assertEquals("ephemeral", a.at("/system/0/cache_control/type").asText(), "blocks keep cache_control");
        assertEquals("tool", a.at("/tool_choice/type").asText());
        assertEquals("f", a.at("/tool_choice/name").asText());
        assertEquals("object", a.at("/tools/0/input_schema/type").asText());
    }

    @Test
    void jsonAnswer() throws Exception {
        mock.enqueue(Script.reply("Bonjour").usage(20, 5));
        TestExchange ex = exchange(CHAT);
        JsonNode c = json(adapter.invoke(ex, target(), client));
        assertEquals("chat.completion", c.path("object").asText());
        assertEquals("claude", c.path("model").asText());
        assertTrue(c.path("id").asText().startsWith("msg_"));
        assertEquals("Bonjour", c.at("/choices/0/message/content").asText());
        assertEquals("stop", c.at("/choices/0/finish_reason").asText());
        assertEquals(25, c.at("/usage/total_tokens").asInt());
        assertEquals(new Usage(20, 5), ex.attr(CoreAttrs.USAGE).orElseThrow());

        mock.enqueue(Script.reply("cut").finishReason("length"));
        assertEquals("length", json(adapter.invoke(exchange(CHAT), target(), client))
                .at("/choices/0/finish_reason").asText());
    }

    @Test
    void toolUseAnswer() throws Exception {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("toolu_1", "get_weather", "{\"city\":\"Oslo\"}")));
        JsonNode c = json(adapter.invoke(exchange(CHAT), target(), client));
        JsonNode msg = c.at("/choices/0/message");
        assertTrue(msg.path("content").isNull());
        assertEquals("toolu_1", msg.at("/tool_calls/0/id").asText());
        assertEquals("get_weather", msg.at("/tool_calls/0/function/name").asText());
        assertEquals("Oslo", JSON.readTree(msg.at("/tool_calls/0/function/arguments").asText()).path("city").asText());
        assertEquals("tool_calls", c.at("/choices/0/finish_reason").asText());
    }

    @Test
    void streamArrivesIncrementallyAsChunks() throws Exception {
        // message_start, content_block_start, ping, then 4 deltas; hold after the second delta
        mock.enqueue(Script.reply("Hello there friend!").deltas(4).pauseAfter(5).usage(9, 4));
        TestExchange ex = exchange(CHAT_STREAM);
        EventStream s = TestStreams.events(adapter.invoke(ex, target(), client));
        JsonNode role = JSON.readTree(TestStreams.nextWithin(s, WAIT).orElseThrow().data());
        assertEquals("assistant", role.at("/choices/0/delta/role").asText());
        assertEquals("claude", role.path("model").asText());
        assertEquals("chat.completion.chunk", role.path("object").asText());
        JsonNode first = JSON.readTree(TestStreams.nextWithin(s, WAIT).orElseThrow().data());
        assertFalse(first.at("/choices/0/delta/content").asText().isEmpty());
        assertTrue(mock.awaitPaused(1, WAIT));
        assertEquals(0, mock.streamsCompleted(), "chunks arrive before the upstream finished");
        mock.resume();
        List<String> rest = TestStreams.drainData(s);

        StringBuilder text = new StringBuilder(first.at("/choices/0/delta/content").asText());
        String finish = null;
        for (String d : rest) {
            JsonNode c = JSON.readTree(d);
            assertEquals(1, c.path("choices").size(), "no usage-only chunk unless asked");
            text.append(c.at("/choices/0/delta/content").asText(""));
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("Hello there friend!", text.toString());
        assertEquals("stop", finish);
        assertEquals(new Usage(9, 4), ex.attr(CoreAttrs.USAGE).orElseThrow());
        assertTrue(mock.lastRequest().json().path("stream").asBoolean());
    }

    @Test
    void streamToolUseAndCallerUsage() throws Exception {
        mock.enqueue(Script.reply("Let me check.").deltas(2).usage(3, 7)
                .withToolCalls(new Script.ToolCall("toolu_7", "lookup", "{\"q\":\"aisix\",\"n\":2}")));
        TestExchange ex = exchange("""
                {"model":"c","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}""");
        List<String> events = TestStreams.drainData(TestStreams.events(adapter.invoke(ex, target(), client)));
        StringBuilder args = new StringBuilder();
        String id = null;
        String name = null;
        String finish = null;
        for (String d : events) {
            JsonNode c = JSON.readTree(d);
            JsonNode tc = c.at("/choices/0/delta/tool_calls/0");
            if (!tc.isMissingNode()) {
                assertEquals(0, tc.path("index").asInt());
                if (tc.has("id")) {
                    id = tc.path("id").asText();
                    name = tc.at("/function/name").asText();
                }
                args.append(tc.at("/function/arguments").asText(""));
            }
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("toolu_7", id);
        assertEquals("lookup", name);
        assertEquals("{\"q\":\"aisix\",\"n\":2}", args.toString());
        assertEquals("tool_calls", finish);
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertTrue(last.path("choices").isEmpty());
        assertEquals(10, last.at("/usage/total_tokens").asInt());
    }

    @Test
    void upstreamErrors() {
        mock.enqueue(Script.fail(400).errorMessage("max_tokens: 999999 > 64000"));
        GatewayException e4 = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), target(), client));
        assertEquals(400, e4.status());
        assertEquals("max_tokens: 999999 > 64000", e4.getMessage());

        mock.enqueue(Script.fail(429).retryAfter("12").errorMessage("rate limited"));
        GatewayException rl = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), target(), client));
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, rl.code());
        assertEquals(Duration.ofSeconds(12), rl.retryAfter().orElseThrow());

        mock.enqueue(Script.fail(529).errorMessage("Overloaded at node ant-internal-7"));
        GatewayException e5 = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e5.code());
        assertEquals(529, e5.upstreamStatus());
        assertFalse(e5.getMessage().contains("ant-internal-7"));

        mock.enqueue(Script.defaults().garbage());
        assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(CHAT), target(), client)).code());
    }

    @Test
    void brokenAndErroredStreams() {
        mock.enqueue(Script.reply("a b c d").deltas(4).pauseAfter(4).breakAfter(4));
        EventStream s = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow(); // role
        TestStreams.nextWithin(s, WAIT).orElseThrow(); // first delta
        assertTrue(mock.awaitPaused(1, WAIT)); // resuming earlier would leave the stream paused
        mock.resume();
        assertEquals(ErrorCode.UPSTREAM_ERROR, TestStreams.failure(s).code()); // until the break

        mock.enqueue(Script.reply("a b c d").deltas(4).errorEventAfter(4));
        EventStream e = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        GatewayException ge = TestStreams.failure(e); // until the in-band error event
        assertEquals(ErrorCode.UPSTREAM_ERROR, ge.code());
        assertTrue(ge.getMessage().contains("overloaded_error"), ge.getMessage());

        mock.enqueue(Script.defaults().garbage());
        EventStream g = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class, g::next).code());
    }

    @Test
    void idleTimeoutAndCancel() {
        Target slow = base().timeoutMs(250).build();
        mock.enqueue(Script.reply("a b").hangAfter(3));
        EventStream h = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), slow, client));
        assertEquals(Duration.ofMillis(250), client.lastSent().readTimeout());
        assertEquals(ErrorCode.TIMEOUT, TestStreams.failure(h).code()); // silent after 3 events

        mock.enqueue(Script.reply("a b c d e f g h").deltas(8).pauseAfter(4).deltaDelay(Duration.ofMillis(5)));
        EventStream s = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow();
        assertTrue(mock.awaitPaused(1, WAIT));
        s.close();
        mock.resume();
        assertTrue(mock.awaitStreamsCancelled(1, WAIT));
    }

    @Test
    void urlAndVersion() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        for (String b : new String[] {null, "https://api.anthropic.com/", "https://api.anthropic.com/v1",
                "https://api.anthropic.com/v1/messages"}) {
            TestTarget t = TestTarget.builder("anthropic").apiVersion("2024-01-01");
            if (b != null) {
                t.apiBase(b);
            }
            assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t.build(), req -> {
                seen.set(req);
                throw new GatewayException(ErrorCode.INTERNAL, "captured");
            }));
            assertEquals("https://api.anthropic.com/v1/messages", seen.get().url(), String.valueOf(b));
            assertEquals("2024-01-01", seen.get().headers().first("anthropic-version").orElseThrow());
        }
    }

    @Test
    void countTokensIsForwardedNatively() throws Exception {
        mock.enqueue(io.aisix.testkit.Script.defaults().usage(77, 0));
        AnthropicAdapter a = new AnthropicAdapter();
        assertTrue(a.supports(Endpoint.COUNT_TOKENS));
        TestExchange ex = TestExchange.builder(Endpoint.COUNT_TOKENS).header("anthropic-beta", "b1")
                .json("{\"model\":\"claude\",\"system\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .build();
        JsonNode body = json(a.invoke(ex, target(), client));
        assertEquals(77, body.path("input_tokens").asInt());
        var rec = mock.lastRequest();
        assertEquals("/v1/messages/count_tokens", rec.path());
        assertEquals("claude-sonnet-4-5", rec.json().path("model").asText());
        assertEquals("s", rec.json().path("system").asText(), "sent as the caller wrote it");
        assertEquals("b1", rec.header("anthropic-beta").orElseThrow());
        assertEquals("sk-ant-test-key", rec.header("x-api-key").orElseThrow());
        assertTrue(ex.attr(io.aisix.spi.CoreAttrs.USAGE).isEmpty(), "counting costs no tokens");
    }
}
