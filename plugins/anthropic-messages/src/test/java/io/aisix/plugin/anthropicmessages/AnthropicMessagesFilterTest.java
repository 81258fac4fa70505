package io.aisix.plugin.anthropicmessages;

import io.aisix.plugin.anthropic.AnthropicAdapter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.OpenAiProtocol;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.TestStreams;
import io.aisix.testkit.TestTarget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnthropicMessagesFilterTest extends MockUpstreamTestBase {
    static Filter filter;

    /** A full Anthropic request: system blocks, images, a tool round trip, tools and choices. */
    static final String MESSAGES = """
            {"model":"claude","max_tokens":512,"temperature":0.2,"top_p":0.8,"top_k":40,
             "stop_sequences":["STOP"],"metadata":{"user_id":"user-7"},
             "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
             "tools":[{"name":"get_weather","description":"Weather by city",
                       "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                      {"type":"web_search_20250305","name":"web_search"}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Weather in Paris?"},
                 {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]},
               {"role":"assistant","content":[{"type":"text","text":"Checking."},
                 {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"18C and sunny"},
                 {"type":"text","text":"And tomorrow?"}]}]}""";

    @BeforeAll
    static void createFilter() {
        filter = new AnthropicMessagesFilterFactory().create(new TestPluginContext().filterContext(TestSnapshot.empty()))
                .orElseThrow();
    }

    static TestExchange messages(String json) {
        return TestExchange.builder(Endpoint.MESSAGES).json(json).build();
    }

    static Response run(Exchange ex, Function<Exchange, Response> terminal) {
        return TestChain.of(filter, terminal).run(ex);
    }

    static Target openAiTarget() {
        return TestTarget.builder("openai").alias("claude").upstreamModel("gpt-4o").apiBase(mock.openAiBase()).build();
    }

    /** An OpenAI upstream behind /v1/messages, through the shared OpenAI wire code. */
    static Response openAiTerminal(Exchange ex) {
        return OpenAiProtocol.invoke(ex, openAiTarget(), client, mock.openAiBase() + "/chat/completions",
                Headers.of("content-type", "application/json"));
    }

    @Test
    void otherEndpointsPassUntouched() {
        TestExchange ex = TestExchange.chat("{\"model\":\"m\",\"messages\":[]}");
        Response canned = Response.json("{}".getBytes(StandardCharsets.UTF_8));
        assertSame(canned, run(ex, e -> canned));
        assertFalse(ex.bodyModified());
    }

    @Test
    void inboundRequestBecomesCanonical() throws Exception {
        AtomicReference<ObjectNode> seen = new AtomicReference<>();
        TestExchange ex = messages(MESSAGES);
        Response r = run(ex, e -> {
            seen.set(e.json().deepCopy());
            return Response.json("""
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"claude",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"Rain.","tool_calls":[
                       {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\",\\"day\\":1}"}}]},
                       "finish_reason":"tool_calls"}],
                     "usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38,"prompt_tokens_details":{"cached_tokens":10}}}"""
                    .getBytes(StandardCharsets.UTF_8));
        });
        assertTrue(ex.bodyModified());
        ObjectNode c = seen.get();
        assertEquals("claude", c.path("model").asText());
        assertEquals(512, c.path("max_tokens").asInt());
        assertEquals(0.2, c.path("temperature").asDouble());
        assertEquals("STOP", c.at("/stop/0").asText());
        assertEquals("user-7", c.path("user").asText());
        assertFalse(c.has("top_k") || c.has("stream") || c.has("system") || c.has("metadata"), c.toString());
        assertEquals("required", c.path("tool_choice").asText());
        assertFalse(c.path("parallel_tool_calls").asBoolean(true));
        assertEquals(1, c.path("tools").size(), "server tools are dropped");
        assertEquals("get_weather", c.at("/tools/0/function/name").asText());
        assertEquals("object", c.at("/tools/0/function/parameters/type").asText());

        JsonNode m = c.path("messages");
        assertEquals(5, m.size(), m.toString());
        assertEquals("system", m.at("/0/role").asText());
        assertEquals("ephemeral", m.at("/0/content/0/cache_control/type").asText());
        assertEquals("user", m.at("/1/role").asText());
        assertEquals("data:image/jpeg;base64,/9j/4AAQ", m.at("/1/content/1/image_url/url").asText());
        assertEquals("assistant", m.at("/2/role").asText());
        assertEquals("Checking.", m.at("/2/content").asText());
        assertEquals("toolu_01", m.at("/2/tool_calls/0/id").asText());
        assertEquals("Paris", JSON.readTree(m.at("/2/tool_calls/0/function/arguments").asText()).path("city").asText());
        assertEquals("tool", m.at("/3/role").asText());
        assertEquals("toolu_01", m.at("/3/tool_call_id").asText());
        assertEquals("18C and sunny", m.at("/3/content").asText());
        assertEquals("And tomorrow?", m.at("/4/content").asText());

        JsonNode a = json(r);
        assertEquals("message", a.path("type").asText());
        assertEquals("msg_chatcmpl-1", a.path("id").asText());
        assertEquals("claude", a.path("model").asText());
        assertEquals("Rain.", a.at("/content/0/text").asText());
        assertEquals("tool_use", a.at("/content/1/type").asText());
        assertEquals(1, a.at("/content/1/input/day").asInt());
        assertEquals("tool_use", a.path("stop_reason").asText());
        assertEquals(20, a.at("/usage/input_tokens").asInt());
        assertEquals(10, a.at("/usage/cache_read_input_tokens").asInt());
        assertEquals(8, a.at("/usage/output_tokens").asInt());
    }

    @Test
    void anAnthropicUpstreamReceivesTheRequestAsSentAndAnswersUntranslated() throws Exception {
        Target t = TestTarget.builder("anthropic").alias("claude").upstreamModel("claude-sonnet-4-5")
                .apiBase(mock.baseUrl()).build();
        mock.enqueue(Script.reply("Tomorrow: rain.").usage(40, 6).cacheTokens(100, 7).extraFields("""
                {"container":{"id":"c1"}}"""));
        String request = MESSAGES.replace("\"top_k\":40,", "\"top_k\":40,\"thinking\":{\"type\":\"enabled\","
                + "\"budget_tokens\":1024},\"service_tier\":\"auto\",\"x_future\":{\"a\":[1,2]},");
        TestExchange ex = messages(request);
        Response r = run(ex, e -> new AnthropicAdapter().invoke(e, t, client));

        // the upstream got the caller's request, only model rewritten (server tools, top_k,
        // thinking, cache_control and unknown fields included)
        ObjectNode expected = (ObjectNode) JSON.readTree(request);
        expected.put("model", "claude-sonnet-4-5");
        assertEquals(expected, mock.lastRequest().json());

        // the answer is the upstream's own, model set to the alias, unknown fields kept
        JsonNode a = json(r);
        assertEquals("claude", a.path("model").asText());
        assertEquals("Tomorrow: rain.", a.at("/content/0/text").asText());
        assertEquals("c1", a.at("/container/id").asText());
        assertEquals(100, a.at("/usage/cache_read_input_tokens").asInt());
        assertEquals(7, a.at("/usage/cache_creation_input_tokens").asInt());
        assertEquals(new Usage(147, 6, 100, 7), ex.attr(CoreAttrs.USAGE).orElseThrow(),
                "prompt tokens count cache reads and writes");
    }

    @Test
    void systemTurnsInsideMessagesAreFoldedIntoSystem() {
        AtomicReference<ObjectNode> canonical = new AtomicReference<>();
        TestExchange ex = messages("""
                {"model":"c","max_tokens":9,"system":"Be brief.","messages":[
                  {"role":"system","content":"Answer in French."},
                  {"role":"user","content":"hi"},
                  {"role":"system","content":[{"type":"text","text":"No emoji.","cache_control":{"type":"ephemeral"}}]}]}""");
        run(ex, e -> {
            canonical.set(e.json().deepCopy());
            return Response.json("{}".getBytes(StandardCharsets.UTF_8));
        });
        ObjectNode inbound = ex.attr(CoreAttrs.INBOUND_REQUEST).orElseThrow();
        assertEquals(1, inbound.path("messages").size(), inbound.toString());
        assertEquals("user", inbound.at("/messages/0/role").asText());
        assertEquals("Be brief.", inbound.at("/system/0/text").asText());
        assertEquals("Answer in French.", inbound.at("/system/1/text").asText());
        assertEquals("ephemeral", inbound.at("/system/2/cache_control/type").asText());
        JsonNode m = canonical.get().path("messages");
        assertEquals("system", m.at("/0/role").asText());
        assertEquals(3, m.at("/0/content").size());
        assertEquals("user", m.at("/1/role").asText());
        assertEquals(2, m.size(), "no system turn became a user turn");

        TestExchange plain = messages("""
                {"model":"c","max_tokens":9,"messages":[{"role":"system","content":"A"},{"role":"system","content":"B"},
                  {"role":"user","content":"hi"}]}""");
        run(plain, e -> Response.json("{}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("A\n\nB", plain.attr(CoreAttrs.INBOUND_REQUEST).orElseThrow().path("system").asText());
    }

    private static List<String> names(List<SseEvent> events) {
        return events.stream().map(SseEvent::event).toList();
    }

    @Test
    void streamFromAnOpenAiUpstreamArrivesIncrementally() throws Exception {
        mock.enqueue(Script.reply("Sunny all day").deltas(3).pauseAfter(2).usage(14, 3));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Weather?"}]}""");
        EventStream s = TestStreams.events(run(ex, AnthropicMessagesFilterTest::openAiTerminal));
        assertTrue(mock.lastRequest().json().at("/stream_options/include_usage").asBoolean(),
                "usage is requested so message_delta can carry it");

        List<SseEvent> early = new ArrayList<>();
        early.add(TestStreams.nextWithin(s, WAIT).orElseThrow()); // message_start (role chunk)
        early.add(TestStreams.nextWithin(s, WAIT).orElseThrow()); // content_block_start (first delta)
        early.add(TestStreams.nextWithin(s, WAIT).orElseThrow()); // content_block_delta
        assertTrue(mock.awaitPaused(1, WAIT));
        assertEquals(0, mock.streamsCompleted(), "Anthropic events flow before the upstream finished");
        mock.resume();
        List<SseEvent> all = new ArrayList<>(early);
        all.addAll(TestStreams.drain(s));

        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"), names(all));
        JsonNode start = JSON.readTree(all.get(0).data());
        assertEquals("claude", start.at("/message/model").asText());
        assertTrue(start.at("/message/id").asText().startsWith("msg_"));
        StringBuilder text = new StringBuilder();
        for (SseEvent e : all) {
            JsonNode d = JSON.readTree(e.data());
            assertEquals(e.event(), d.path("type").asText());
            if (e.event().equals("content_block_delta")) {
                text.append(d.at("/delta/text").asText());
            }
        }
        assertEquals("Sunny all day", text.toString());
        JsonNode md = JSON.readTree(all.get(6).data());
        assertEquals("end_turn", md.at("/delta/stop_reason").asText());
        assertEquals(3, md.at("/usage/output_tokens").asInt());
        assertEquals(14, md.at("/usage/input_tokens").asInt());
    }

    @Test
    void reasoningBecomesAThinkingBlockBeforeTheText() throws Exception {
        mock.enqueue(Script.reply("4.").reasoning("2 plus 2 is 4").usage(6, 9));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"2+2?"}]}""");
        JsonNode a = json(run(ex, AnthropicMessagesFilterTest::openAiTerminal));
        assertEquals(2, a.path("content").size(), a.toString());
        assertEquals("thinking", a.at("/content/0/type").asText());
        assertEquals("2 plus 2 is 4", a.at("/content/0/thinking").asText());
        assertEquals("", a.at("/content/0/signature").asText(), "nothing signed it");
        assertEquals("text", a.at("/content/1/type").asText());
        assertEquals("4.", a.at("/content/1/text").asText());

        mock.enqueue(Script.reply("No reasoning."));
        JsonNode plain = json(run(messages("""
                {"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"""),
                AnthropicMessagesFilterTest::openAiTerminal));
        assertEquals(1, plain.path("content").size(), "no thinking block without reasoning: " + plain);
    }

    @Test
    void streamedReasoningBecomesThinkingDeltasInItsOwnBlock() throws Exception {
        mock.enqueue(Script.reply("The answer is 4.").reasoning("2 plus 2 is 4").deltas(3).usage(6, 9));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"2+2?"}]}""");
        List<SseEvent> events = TestStreams.drain(TestStreams.events(run(ex, AnthropicMessagesFilterTest::openAiTerminal)));
        assertEquals(List.of("message_start",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"), names(events));
        JsonNode thinkingStart = JSON.readTree(events.get(1).data());
        assertEquals(0, thinkingStart.path("index").asInt());
        assertEquals("thinking", thinkingStart.at("/content_block/type").asText());
        assertEquals(1, JSON.readTree(events.get(6).data()).path("index").asInt());
        assertEquals("text", JSON.readTree(events.get(6).data()).at("/content_block/type").asText());
        StringBuilder thinking = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (SseEvent e : events) {
            JsonNode d = JSON.readTree(e.data());
            if (e.event().equals("content_block_delta")) {
                switch (d.at("/delta/type").asText()) {
                    case "thinking_delta" -> {
                        assertEquals(0, d.path("index").asInt());
                        thinking.append(d.at("/delta/thinking").asText());
                    }
                    case "text_delta" -> {
                        assertEquals(1, d.path("index").asInt());
                        text.append(d.at("/delta/text").asText());
                    }
                    default -> throw new AssertionError("unexpected delta " + d);
                }
            }
        }
        assertEquals("2 plus 2 is 4", thinking.toString());
        assertEquals("The answer is 4.", text.toString());
    }

    @Test
    void unsignedThinkingSentBackIsDroppedBeforeAnAnthropicUpstream() throws Exception {
        Target t = TestTarget.builder("anthropic").alias("claude").upstreamModel("claude-sonnet-4-5")
                .apiBase(mock.baseUrl()).build();
        mock.enqueue(Script.reply("ok"));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":100,"messages":[
                  {"role":"user","content":"2+2?"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"2 plus 2","signature":""},
                    {"type":"text","text":"4."}]},
                  {"role":"user","content":"and 3+3?"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"3 plus 3","signature":"sig-1"},
                    {"type":"text","text":"6."}]},
                  {"role":"user","content":"thanks"}]}""");
        json(run(ex, e -> new AnthropicAdapter().invoke(e, t, client)));
        JsonNode sent = mock.lastRequest().json().path("messages");
        assertEquals(1, sent.at("/1/content").size(), "the gateway's unsigned block is gone: " + sent);
        assertEquals("4.", sent.at("/1/content/0/text").asText());
        assertEquals("sig-1", sent.at("/3/content/0/signature").asText(), "Anthropic's own block stays");
        assertEquals(2, sent.at("/3/content").size());
    }

    @Test
    void streamedToolCallsBecomeToolUseBlocks() throws Exception {
        List<SseEvent> chunks = List.of(
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me look.\"}}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"x\\\":\"}}]}}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"),
                SseEvent.data("{\"id\":\"c1\",\"model\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,\"total_tokens\":14}}"));
        TestExchange ex = messages("""
                {"model":"a","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"go"}]}""");
        List<SseEvent> events = TestStreams.drain(TestStreams.events(run(ex, e -> Response.stream(EventStream.of(chunks)))));
        assertEquals(List.of("message_start",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop"), names(events));
        JsonNode tool1 = JSON.readTree(events.get(4).data());
        assertEquals(1, tool1.path("index").asInt());
        assertEquals("tool_use", tool1.at("/content_block/type").asText());
        assertEquals("call_a", tool1.at("/content_block/id").asText());
        assertEquals("f", tool1.at("/content_block/name").asText());
        assertEquals("{\"x\":", JSON.readTree(events.get(5).data()).at("/delta/partial_json").asText());
        assertEquals(2, JSON.readTree(events.get(8).data()).path("index").asInt());
        JsonNode md = JSON.readTree(events.get(11).data());
        assertEquals("tool_use", md.at("/delta/stop_reason").asText());
        assertEquals(9, md.at("/usage/output_tokens").asInt());
    }

    @Test
    void streamRoundTripThroughTheAnthropicAdapter() throws Exception {
        Target t = TestTarget.builder("anthropic").alias("claude").upstreamModel("claude-haiku")
                .apiBase(mock.baseUrl()).build();
        mock.enqueue(Script.reply("Hi!").deltas(2).usage(5, 2).cacheTokens(30, 4).extraFields("{\"x_new\":true}")
                .withToolCalls(new Script.ToolCall("toolu_9", "lookup", "{\"k\":\"v\"}")));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":64,"stream":true,"top_k":5,"messages":[{"role":"user","content":"hello"}]}""");
        List<SseEvent> events = TestStreams.drain(TestStreams.events(
                run(ex, e -> new AnthropicAdapter().invoke(e, t, client))));
        assertEquals(5, mock.lastRequest().json().path("top_k").asInt());
        assertFalse(mock.lastRequest().json().has("stream_options"), "the Anthropic request as sent");
        // the upstream's events as they came, ping included; only message_start's model changes
        assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta",
                "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"), names(events));
        JsonNode start = JSON.readTree(events.get(0).data());
        assertEquals("claude", start.at("/message/model").asText());
        assertTrue(start.at("/message/x_new").asBoolean());
        assertEquals("toolu_9", JSON.readTree(events.get(6).data()).at("/content_block/id").asText());
        JsonNode md = JSON.readTree(events.get(10).data());
        assertEquals("tool_use", md.at("/delta/stop_reason").asText());
        assertEquals(2, md.at("/usage/output_tokens").asInt());
        assertEquals(new Usage(39, 2, 30, 4), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void closingTheTranslatedStreamCancelsTheUpstream() {
        mock.enqueue(Script.reply("a b c d e f g h").deltas(8).pauseAfter(3).deltaDelay(Duration.ofMillis(5)));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"x"}]}""");
        EventStream s = TestStreams.events(run(ex, AnthropicMessagesFilterTest::openAiTerminal));
        TestStreams.nextWithin(s, WAIT).orElseThrow();
        assertTrue(mock.awaitPaused(1, WAIT));
        s.close();
        mock.resume();
        assertTrue(mock.awaitStreamsCancelled(1, WAIT));
    }

    @Test
    void errorsAreLeftToTheKernel() {
        mock.enqueue(Script.fail(401).errorMessage("Incorrect API key"));
        TestExchange ex = messages("""
                {"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"x"}]}""");
        GatewayException e = assertThrows(GatewayException.class,
                () -> run(ex, AnthropicMessagesFilterTest::openAiTerminal));
        assertEquals(401, e.status());
        assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code(), "refused provider credentials");
        assertEquals("authentication_error", e.code().anthropicType());

        Response error = Response.json(429, "{\"error\":{\"message\":\"x\"}}".getBytes(StandardCharsets.UTF_8));
        assertSame(error, run(messages("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), x -> error));
    }
}
