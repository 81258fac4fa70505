package io.aisix.plugin.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestStreams;
import io.aisix.testkit.TestTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GeminiAdapterTest extends MockUpstreamTestBase {
    final GeminiAdapter adapter = new GeminiAdapter();

    static final String CHAT = """
            {"model":"gem","messages":[{"role":"user","content":"hi"}]}""";
    static final String CHAT_STREAM = """
            {"model":"gem","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    @BeforeEach
    void requireKey() {
        mock.requireApiKey("AIza-test-key-0000");
    }

    static TestTarget base() {
        return TestTarget.builder("gemini").alias("gem").upstreamModel("gemini-2.0-flash").apiBase(mock.baseUrl())
                .apiKey("AIza-test-key-0000");
    }

    static Target target() {
        return base().build();
    }

    static TestExchange exchange(String json) {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json(json).requestId("rid-g").build();
    }

    @Test
    void registeredWithServiceLoader() {
        List<String> ids = registeredAdapterIds();
        assertTrue(ids.contains("gemini"), ids.toString());
        assertTrue(adapter.supports(Endpoint.MESSAGES));
        assertTrue(adapter.supports(Endpoint.EMBEDDINGS));
        assertTrue(adapter.supports(Endpoint.RESPONSES), "bridged through chat completions");
    }

    @Test
    void requestTranslation() throws Exception {
        String body = """
                {"model":"gem","temperature":0.4,"top_p":0.95,"max_tokens":300,"stop":["X","Y"],"n":1,"seed":3,
                 "logit_bias":{"1":2},"user":"u",
                 "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object",
                   "additionalProperties":false,"properties":{"a":{"type":["string","null"]}},"required":["a"]}}},
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
                   "parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
                     "properties":{"city":{"type":"string","description":"City"},
                       "days":{"type":"array","items":{"type":"integer","additionalProperties":false}}},
                     "required":["city"],"additionalProperties":false}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},
                 "messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":[{"type":"text","text":"Look:"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},
                    {"type":"image_url","image_url":{"url":"https://example.com/a.webp"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"{\\"temp\\":21}"},
                  {"role":"tool","tool_call_id":"call_1","content":"plain text result"},
                  {"role":"user","content":"thanks"}]}""";
        mock.enqueue(Script.reply("ok"));
        adapter.invoke(exchange(body), target(), client);

        RecordedRequest rec = mock.lastRequest();
        assertEquals("/v1beta/models/gemini-2.0-flash:generateContent", rec.path());
        assertEquals("AIza-test-key-0000", rec.header("x-goog-api-key").orElseThrow());
        assertTrue(rec.header("authorization").isEmpty());
        assertEquals("rid-g", rec.header("x-aisix-request-id").orElseThrow());
        JsonNode g = rec.json();
        assertEquals("Be brief.", g.at("/systemInstruction/parts/0/text").asText());
        JsonNode gc = g.path("generationConfig");
        assertEquals(0.4, gc.path("temperature").asDouble());
        assertEquals(0.95, gc.path("topP").asDouble());
        assertEquals(300, gc.path("maxOutputTokens").asInt());
        assertEquals("Y", gc.at("/stopSequences/1").asText());
        assertEquals(3, gc.path("seed").asInt());
        assertEquals("application/json", gc.path("responseMimeType").asText());
        assertFalse(gc.path("responseSchema").has("additionalProperties"));
        assertTrue(gc.at("/responseSchema/properties/a/nullable").asBoolean());
        assertEquals("string", gc.at("/responseSchema/properties/a/type").asText());
        assertFalse(g.has("logit_bias") || g.has("user") || g.has("model") || g.has("messages"), g.toString());

        JsonNode decl = g.at("/tools/0/functionDeclarations/0");
        assertEquals("get_weather", decl.path("name").asText());
        assertFalse(decl.path("parameters").has("$schema"));
        assertFalse(decl.path("parameters").has("additionalProperties"));
        assertFalse(decl.at("/parameters/properties/days/items").has("additionalProperties"));
        assertEquals("City", decl.at("/parameters/properties/city/description").asText());
        assertEquals("ANY", g.at("/toolConfig/functionCallingConfig/mode").asText());
        assertEquals("get_weather", g.at("/toolConfig/functionCallingConfig/allowedFunctionNames/0").asText());

        JsonNode c = g.path("contents");
        assertEquals(3, c.size(), c.toString());
        assertEquals("user", c.at("/0/role").asText());
        assertEquals("image/png", c.at("/0/parts/1/inlineData/mimeType").asText());
        assertEquals("iVBOR", c.at("/0/parts/1/inlineData/data").asText());
        assertEquals("image/webp", c.at("/0/parts/2/fileData/mimeType").asText());
        assertEquals("model", c.at("/1/role").asText());
        assertEquals("Rome", c.at("/1/parts/0/functionCall/args/city").asText());
        assertEquals("user", c.at("/2/role").asText());
        assertEquals("get_weather", c.at("/2/parts/0/functionResponse/name").asText());
        assertEquals(21, c.at("/2/parts/0/functionResponse/response/temp").asInt());
        assertEquals("plain text result", c.at("/2/parts/1/functionResponse/response/content").asText());
        assertEquals("thanks", c.at("/2/parts/2/text").asText());
    }

    @Test
    void jsonAnswerAndFinishReasons() throws Exception {
        mock.enqueue(Script.reply("Ciao!").usage(8, 2));
        TestExchange ex = exchange(CHAT);
        JsonNode c = json(adapter.invoke(ex, target(), client));
        assertEquals("chat.completion", c.path("object").asText());
        assertEquals("gem", c.path("model").asText());
        assertEquals("Ciao!", c.at("/choices/0/message/content").asText());
        assertEquals("stop", c.at("/choices/0/finish_reason").asText());
        assertEquals(10, c.at("/usage/total_tokens").asInt());
        assertEquals(new Usage(8, 2), ex.attr(CoreAttrs.USAGE).orElseThrow());

        mock.enqueue(Script.reply("cut").finishReason("length"));
        assertEquals("length", json(adapter.invoke(exchange(CHAT), target(), client)).at("/choices/0/finish_reason").asText());
        mock.enqueue(Script.reply("no").finishReason("content_filter"));
        assertEquals("content_filter", json(adapter.invoke(exchange(CHAT), target(), client))
                .at("/choices/0/finish_reason").asText());
    }

    @Test
    void functionCallAnswer() throws Exception {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("ignored", "get_weather", "{\"city\":\"Lima\"}")));
        JsonNode c = json(adapter.invoke(exchange(CHAT), target(), client));
        JsonNode m = c.at("/choices/0/message");
        assertTrue(m.path("content").isNull());
        assertTrue(m.at("/tool_calls/0/id").asText().startsWith("call_"));
        assertEquals("get_weather", m.at("/tool_calls/0/function/name").asText());
        assertEquals("Lima", JSON.readTree(m.at("/tool_calls/0/function/arguments").asText()).path("city").asText());
        assertEquals("tool_calls", c.at("/choices/0/finish_reason").asText());
    }

    @Test
    void streamArrivesIncrementally() throws Exception {
        mock.enqueue(Script.reply("one two three four").deltas(4).pauseAfter(2).usage(6, 4));
        TestExchange ex = exchange(CHAT_STREAM);
        EventStream s = TestStreams.events(adapter.invoke(ex, target(), client));
        assertEquals("/v1beta/models/gemini-2.0-flash:streamGenerateContent", mock.lastRequest().path());
        assertEquals("sse", mock.lastRequest().queryParam("alt").orElseThrow());

        JsonNode role = JSON.readTree(TestStreams.nextWithin(s, WAIT).orElseThrow().data());
        assertEquals("assistant", role.at("/choices/0/delta/role").asText());
        assertEquals("gem", role.path("model").asText());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            text.append(JSON.readTree(TestStreams.nextWithin(s, WAIT).orElseThrow().data())
                    .at("/choices/0/delta/content").asText());
        }
        assertTrue(mock.awaitPaused(1, WAIT));
        assertEquals(0, mock.streamsCompleted(), "chunks arrive before the upstream finished");
        mock.resume();
        String finish = null;
        for (String d : TestStreams.drainData(s)) {
            JsonNode c = JSON.readTree(d);
            assertEquals(1, c.path("choices").size());
            text.append(c.at("/choices/0/delta/content").asText(""));
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("one two three four", text.toString());
        assertEquals("stop", finish);
        assertEquals(new Usage(6, 4), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void streamToolCallsAndCallerUsage() throws Exception {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("x", "lookup", "{\"q\":1}"),
                new Script.ToolCall("y", "fetch", "{\"u\":\"v\"}")).usage(5, 5));
        TestExchange ex = exchange("""
                {"model":"gem","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}""");
        List<String> events = TestStreams.drainData(TestStreams.events(adapter.invoke(ex, target(), client)));
        List<String> names = new ArrayList<>();
        String finish = null;
        for (String d : events) {
            JsonNode c = JSON.readTree(d);
            JsonNode tc = c.at("/choices/0/delta/tool_calls/0");
            if (!tc.isMissingNode()) {
                assertEquals(names.size(), tc.path("index").asInt());
                names.add(tc.at("/function/name").asText());
                assertTrue(tc.path("id").asText().startsWith("call_"));
            }
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals(List.of("lookup", "fetch"), names);
        assertEquals("tool_calls", finish);
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertTrue(last.path("choices").isEmpty());
        assertEquals(10, last.at("/usage/total_tokens").asInt());
    }

    @Test
    void upstreamErrors() {
        mock.enqueue(Script.fail(400).errorMessage("Invalid JSON payload received."));
        GatewayException e4 = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), target(), client));
        assertEquals(400, e4.status());
        assertEquals("Invalid JSON payload received.", e4.getMessage());

        mock.enqueue(Script.fail(429).retryAfter("30").errorMessage("Resource has been exhausted"));
        GatewayException rl = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(CHAT_STREAM), target(), client));
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, rl.code());
        assertEquals(Duration.ofSeconds(30), rl.retryAfter().orElseThrow());

        mock.enqueue(Script.fail(503).errorMessage("The model is overloaded at pod gke-internal-3"));
        GatewayException e5 = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e5.code());
        assertFalse(e5.getMessage().contains("gke-internal-3"));

        Target wrongKey = base().apiKey("nope").build();
        assertEquals(401, assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(CHAT), wrongKey, client)).status());

        mock.enqueue(Script.defaults().garbage());
        assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(CHAT), target(), client)).code());
    }

    @Test
    void brokenErroredAndGarbageStreams() {
        mock.enqueue(Script.reply("a b c d").deltas(4).pauseAfter(2).breakAfter(2));
        EventStream s = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow(); // role
        TestStreams.nextWithin(s, WAIT).orElseThrow(); // first piece
        assertTrue(mock.awaitPaused(1, WAIT)); // resuming earlier would leave the stream paused
        mock.resume();
        assertEquals(ErrorCode.UPSTREAM_ERROR, TestStreams.failure(s).code()); // until the break

        mock.enqueue(Script.reply("a b c d").deltas(4).errorEventAfter(2));
        EventStream e = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, TestStreams.failure(e).code()); // until the in-band error

        mock.enqueue(Script.defaults().garbage());
        EventStream g = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class, g::next).code());
    }

    @Test
    void idleTimeoutAndCancel() {
        Target slow = base().timeoutMs(250).build();
        mock.enqueue(Script.reply("a b c").deltas(3).hangAfter(1));
        EventStream h = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), slow, client));
        assertEquals(Duration.ofMillis(250), client.lastSent().readTimeout());
        assertEquals(ErrorCode.TIMEOUT, TestStreams.failure(h).code()); // silent after the first event

        mock.enqueue(Script.reply("a b c d e f g h").deltas(8).pauseAfter(2).deltaDelay(Duration.ofMillis(5)));
        EventStream s = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow();
        assertTrue(mock.awaitPaused(1, WAIT));
        s.close();
        mock.resume();
        assertTrue(mock.awaitStreamsCancelled(1, WAIT));
    }

    @Test
    void urls() {
        assertEquals("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent",
                GeminiAdapter.url(TestTarget.builder("gemini").upstreamModel("gemini-2.5-pro").build(), false));
        assertEquals("https://proxy.example/v1/models/g:streamGenerateContent?alt=sse",
                GeminiAdapter.url(TestTarget.builder("gemini").upstreamModel("models/g")
                        .apiBase("https://proxy.example/v1/").build(), true));
        assertEquals("https://x.example/v1alpha/models/g:generateContent",
                GeminiAdapter.url(TestTarget.builder("gemini").upstreamModel("g").apiBase("https://x.example")
                        .apiVersion("v1alpha").build(), false));
    }

    @Test
    void embeddingsThroughBatchEmbedContents() throws Exception {
        TestExchange ex = TestExchange.builder(Endpoint.EMBEDDINGS)
                .json("{\"model\":\"gem\",\"input\":[\"one\",\"two\"],\"dimensions\":4}").build();
        JsonNode answer = json(adapter.invoke(ex, base().upstreamModel("text-embedding-004").build(), client));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/v1beta/models/text-embedding-004:batchEmbedContents", rec.path());
        assertEquals("AIza-test-key-0000", rec.header("x-goog-api-key").orElseThrow());
        assertEquals("models/text-embedding-004", rec.json().at("/requests/1/model").asText());
        assertEquals("two", rec.json().at("/requests/1/content/parts/0/text").asText());
        assertEquals(4, rec.json().at("/requests/0/outputDimensionality").asInt());
        assertEquals("list", answer.path("object").asText());
        assertEquals("gem", answer.path("model").asText());
        assertEquals(2, answer.path("data").size());
        assertEquals(1, answer.at("/data/1/index").asInt());
        assertEquals(4, answer.at("/data/0/embedding").size());
    }

    @Test
    void embeddingsInBase64AreLittleEndianFloats() throws Exception {
        TestExchange ex = TestExchange.builder(Endpoint.EMBEDDINGS)
                .json("{\"model\":\"gem\",\"input\":\"one\",\"encoding_format\":\"base64\"}").build();
        JsonNode answer = json(adapter.invoke(ex, target(), client));
        byte[] raw = java.util.Base64.getDecoder().decode(answer.at("/data/0/embedding").asText());
        assertEquals(8 * Float.BYTES, raw.length);
        float first = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals((float) (3 % 97 / 97.0), first);
    }

    @Test
    void tokenArraysAreRefusedBeforeAnyCall() {
        TestExchange ex = TestExchange.builder(Endpoint.EMBEDDINGS).json("{\"model\":\"gem\",\"input\":[[1,2,3]]}")
                .build();
        GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(ex, target(), client));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertEquals(0, mock.requestCount());
    }

    @Test
    void reasoningPartsBecomeReasoningContent() throws Exception {
        mock.enqueue(Script.reply("4").reasoning("2+2"));
        JsonNode answer = json(adapter.invoke(exchange(CHAT), target(), client));
        assertEquals("2+2", answer.at("/choices/0/message/reasoning_content").asText());
        assertEquals("4", answer.at("/choices/0/message/content").asText());
    }
}
