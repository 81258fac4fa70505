package io.aisix.plugin.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestStreams;
import io.aisix.testkit.TestTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OpenAiAdapterTest extends MockUpstreamTestBase {
    final OpenAiAdapter adapter = new OpenAiAdapter();

    static final String CHAT = """
            {"model":"my-gpt","messages":[{"role":"user","content":"hi"}],"seed":7,"x_custom":{"a":[1,2]}}""";
    static final String CHAT_STREAM = """
            {"model":"my-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    private static Target target() {
        return TestTarget.builder("openai").alias("my-gpt").upstreamModel("gpt-4o").apiBase(mock.openAiBase())
                .apiKey("sk-test-abc").header("OpenAI-Organization", "org-1").build();
    }

    private static TestExchange exchange(Endpoint endpoint, String json) {
        return TestExchange.builder(endpoint).json(json).requestId("req-123").build();
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void unchangedBodyGoesUpstreamAsSentButForTheModel() throws Exception {
        String sent = "{ \"model\" : \"my-gpt\",\n \"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9\","
                + "\"model\":\"inner\"}], \"temperature\":1.50 }";
        mock.enqueue(Script.reply("ok"));
        adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, sent), target(), client);
        assertEquals(sent.replace("\"my-gpt\"", "\"gpt-4o\""), mock.lastRequest().bodyText());

        mock.enqueue(Script.reply("ok"));
        TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        assertEquals(CHAT_STREAM.replace("\"my-gpt\"", "\"gpt-4o\"").replace("}]}",
                "}],\"stream_options\":{\"include_usage\":true}}"), mock.lastRequest().bodyText());
    }

    @Test
    void aBodyAFilterChangedGoesUpstreamAsChanged() throws Exception {
        mock.enqueue(Script.reply("ok"));
        TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, CHAT);
        var masked = ex.json().deepCopy();
        ((ObjectNode) masked.withArray("messages").get(0)).put("content", "[MASKED]");
        ex.replaceJson(masked);
        adapter.invoke(ex, target(), client);
        JsonNode sent = mock.lastRequest().json();
        assertEquals("[MASKED]", sent.at("/messages/0/content").asText());
        assertEquals("gpt-4o", sent.path("model").asText());
        assertEquals(7, sent.path("seed").asInt());
    }

    @Test
    void registeredWithServiceLoader() {
        List<String> ids = registeredAdapterIds();
        assertTrue(ids.contains("openai"), ids.toString());
        assertTrue(adapter.supports(Endpoint.MESSAGES));
        assertFalse(adapter.supports(Endpoint.MODELS));
    }

    @Test
    void chatJsonAnswer() throws Exception {
        mock.enqueue(Script.reply("Hello world").usage(11, 4));
        TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, CHAT);
        JsonNode body = json(adapter.invoke(ex, target(), client));

        assertEquals("my-gpt", body.path("model").asText());
        assertEquals("Hello world", body.at("/choices/0/message/content").asText());
        assertEquals("stop", body.at("/choices/0/finish_reason").asText());
        assertEquals(new Usage(11, 4), ex.attr(CoreAttrs.USAGE).orElseThrow());

        var rec = mock.lastRequest();
        assertEquals("/v1/chat/completions", rec.path());
        assertEquals("Bearer sk-test-abc", rec.header("authorization").orElseThrow());
        assertEquals("org-1", rec.header("openai-organization").orElseThrow());
        assertEquals("req-123", rec.header("x-aisix-request-id").orElseThrow());
        JsonNode sent = rec.json();
        assertEquals("gpt-4o", sent.path("model").asText());
        assertEquals(7, sent.path("seed").asInt(), "unknown fields pass through");
        assertEquals(2, sent.at("/x_custom/a/1").asInt());
        assertFalse(sent.has("stream_options"));
        assertEquals("my-gpt", ex.json().path("model").asText(), "the exchange keeps the caller's body");
    }

    @Test
    void chatStreamArrivesIncrementallyWithoutUsageChunkOrDone() throws Exception {
        mock.enqueue(Script.reply("one two three four five").deltas(5).pauseAfter(3).usage(5, 6));
        TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM);
        EventStream stream = TestStreams.events(adapter.invoke(ex, target(), client));

        // role chunk + 2 deltas are on the wire; the mock holds the rest until resumed
        List<String> early = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            early.add(TestStreams.nextWithin(stream, WAIT).orElseThrow().data());
        }
        assertTrue(mock.awaitPaused(1, WAIT));
        assertEquals(0, mock.streamsCompleted(), "received before the upstream finished");
        mock.resume();
        List<String> rest = TestStreams.drainData(stream);

        List<String> all = new ArrayList<>(early);
        all.addAll(rest);
        // role, 5 deltas, finish; the usage-only chunk is consumed, [DONE] is left to the kernel
        assertEquals(7, all.size(), all.toString());
        StringBuilder text = new StringBuilder();
        for (String d : all) {
            JsonNode c = json(d);
            assertEquals("my-gpt", c.path("model").asText());
            assertFalse(c.path("choices").isEmpty());
            text.append(c.at("/choices/0/delta/content").asText(""));
        }
        assertEquals("one two three four five", text.toString());
        assertEquals(new Usage(5, 6), ex.attr(CoreAttrs.USAGE).orElseThrow());
        assertTrue(mock.lastRequest().json().at("/stream_options/include_usage").asBoolean());
    }

    @Test
    void usageChunkForwardedWhenCallerAsked() throws Exception {
        mock.enqueue(Script.reply("hey").deltas(1).usage(2, 3));
        String body = """
                {"model":"my-gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}""";
        TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, body);
        List<String> events = TestStreams.drainData(TestStreams.events(adapter.invoke(ex, target(), client)));
        JsonNode last = json(events.get(events.size() - 1));
        assertTrue(last.path("choices").isEmpty());
        assertEquals(5, last.at("/usage/total_tokens").asInt());
        assertEquals("my-gpt", last.path("model").asText());
        assertFalse(events.contains("[DONE]"));
    }

    @Test
    void toolCallsJsonAndStream() throws Exception {
        Script.ToolCall call = new Script.ToolCall("call_9", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}");
        mock.enqueue(Script.toolCalls(call));
        JsonNode body = json(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertTrue(body.at("/choices/0/message/content").isNull());
        assertEquals("get_weather", body.at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals("tool_calls", body.at("/choices/0/finish_reason").asText());

        mock.enqueue(Script.toolCalls(call).deltas(3));
        List<String> events = TestStreams.drainData(
                TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client)));
        StringBuilder args = new StringBuilder();
        String finish = null;
        for (String d : events) {
            JsonNode c = json(d);
            JsonNode tc = c.at("/choices/0/delta/tool_calls/0");
            if (!tc.isMissingNode()) {
                args.append(tc.at("/function/arguments").asText());
            }
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals(call.arguments(), args.toString());
        assertEquals("tool_calls", finish);
    }

    @Test
    void upstream4xxIsTranslated() {
        mock.enqueue(Script.fail(400).errorMessage("Invalid value for 'temperature'"));
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertEquals(ErrorCode.UPSTREAM_CLIENT_ERROR, e.code());
        assertEquals(400, e.status());
        assertEquals("Invalid value for 'temperature'", e.getMessage());

        mock.enqueue(Script.fail(429).retryAfter("7").errorMessage("slow down"));
        GatewayException rl = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, rl.code());
        assertEquals(Duration.ofSeconds(7), rl.retryAfter().orElseThrow());
    }

    @Test
    void upstream5xxBodyIsNotEchoed() {
        mock.enqueue(Script.fail(500).errorMessage("stack trace with internal-host-42"));
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertEquals(502, e.status());
        assertEquals(500, e.upstreamStatus());
        assertFalse(e.getMessage().contains("internal-host-42"), e.getMessage());
    }

    @Test
    void unparseableAnswersAreUpstreamErrors() {
        mock.enqueue(Script.defaults().garbage());
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());

        mock.enqueue(Script.defaults().garbage());
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class, s::next).code());
    }

    @Test
    void brokenStreamIsUpstreamError() {
        mock.enqueue(Script.reply("a b c d").deltas(4).pauseAfter(3).breakAfter(3));
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        for (int i = 0; i < 3; i++) {
            TestStreams.nextWithin(s, WAIT).orElseThrow();
        }
        mock.resume();
        GatewayException e = assertThrows(GatewayException.class, () -> {
            while (true) {
                s.next().orElseThrow(() -> new AssertionError("clean end reported for a broken stream"));
            }
        });
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
    }

    @Test
    void inBandStreamErrorIsUpstreamError() {
        mock.enqueue(Script.reply("a b c d").deltas(4).errorEventAfter(2));
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        s.next();
        s.next();
        assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class, s::next).code());
    }

    @Test
    void idleTimeoutFromModelTimeout() {
        Target t = TestTarget.builder("openai").alias("my-gpt").upstreamModel("gpt-4o").apiBase(mock.openAiBase())
                .timeoutMs(300).build();
        mock.enqueue(Script.reply("a b c").hangAfter(2));
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), t, client));
        assertEquals(Duration.ofMillis(300), client.lastSent().readTimeout());
        s.next();
        s.next();
        GatewayException e = assertThrows(GatewayException.class, s::next);
        assertEquals(ErrorCode.TIMEOUT, e.code());

        mock.enqueue(Script.defaults().hang());
        GatewayException e2 = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), t, client));
        assertEquals(ErrorCode.TIMEOUT, e2.code());
    }

    @Test
    void closingTheStreamCancelsTheUpstream() {
        mock.enqueue(Script.reply("a b c d e f g h i j k l").deltas(12).pauseAfter(2)
                .deltaDelay(Duration.ofMillis(5)));
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow();
        assertTrue(mock.awaitPaused(1, WAIT));
        s.close();
        s.close(); // idempotent
        mock.resume();
        assertTrue(mock.awaitStreamsCancelled(1, WAIT), "the upstream saw the cancel");
        assertEquals(0, mock.streamsCompleted());
        assertTrue(s.next().isEmpty(), "a closed stream has nothing more");
    }

    @Test
    void completionsEmbeddingsAndResponses() throws Exception {
        mock.enqueue(Script.reply("done").usage(3, 1));
        TestExchange c = exchange(Endpoint.COMPLETIONS, "{\"model\":\"my-gpt\",\"prompt\":\"Say\"}");
        JsonNode cb = json(adapter.invoke(c, target(), client));
        assertEquals("text_completion", cb.path("object").asText());
        assertEquals("my-gpt", cb.path("model").asText());
        assertEquals("/v1/completions", mock.lastRequest().path());
        assertEquals(new Usage(3, 1), c.attr(CoreAttrs.USAGE).orElseThrow());

        mock.enqueue(Script.reply("a b c").deltas(3));
        TestExchange cs = exchange(Endpoint.COMPLETIONS, "{\"model\":\"my-gpt\",\"prompt\":\"Say\",\"stream\":true}");
        List<String> cev = TestStreams.drainData(TestStreams.events(adapter.invoke(cs, target(), client)));
        assertEquals(4, cev.size(), cev.toString());
        assertTrue(cs.attr(CoreAttrs.USAGE).isPresent());

        mock.enqueue(Script.defaults().usage(6, 0).embeddingDims(4));
        TestExchange e = exchange(Endpoint.EMBEDDINGS, "{\"model\":\"my-gpt\",\"input\":[\"a\",\"b\"]}");
        JsonNode eb = json(adapter.invoke(e, target(), client));
        assertEquals(2, eb.path("data").size());
        assertEquals(4, eb.at("/data/0/embedding").size());
        assertEquals("my-gpt", eb.path("model").asText());
        assertEquals(new Usage(6, 0), e.attr(CoreAttrs.USAGE).orElseThrow());

        mock.enqueue(Script.reply("resp text").usage(8, 2));
        TestExchange r = exchange(Endpoint.RESPONSES, "{\"model\":\"my-gpt\",\"input\":\"hi\"}");
        JsonNode rb = json(adapter.invoke(r, target(), client));
        assertEquals("my-gpt", rb.path("model").asText());
        assertEquals("resp text", rb.at("/output/0/content/0/text").asText());
        assertEquals(new Usage(8, 2), r.attr(CoreAttrs.USAGE).orElseThrow());
        assertEquals("/v1/responses", mock.lastRequest().path());
    }

    @Test
    void responsesStream() throws Exception {
        mock.enqueue(Script.reply("abc def").deltas(2).usage(4, 2)
                .withToolCalls(new Script.ToolCall("call_1", "f", "{\"x\":1}")));
        TestExchange r = exchange(Endpoint.RESPONSES, "{\"model\":\"my-gpt\",\"input\":\"hi\",\"stream\":true}");
        List<SseEvent> events = TestStreams.drain(TestStreams.events(adapter.invoke(r, target(), client)));
        assertEquals("response.created", events.get(0).event());
        assertEquals("my-gpt", json(events.get(0).data()).at("/response/model").asText());
        SseEvent last = events.get(events.size() - 1);
        assertEquals("response.completed", last.event());
        assertEquals("my-gpt", json(last.data()).at("/response/model").asText());
        assertTrue(events.stream().anyMatch(e -> e.event().equals("response.output_text.delta")));
        assertTrue(events.stream().anyMatch(e -> e.event().equals("response.function_call_arguments.delta")));
        assertEquals(new Usage(4, 2), r.attr(CoreAttrs.USAGE).orElseThrow());
        assertFalse(mock.lastRequest().json().has("stream_options"), "the Responses API takes no stream_options");
    }

    @Test
    void messagesEndpointIsServedAsChat() throws Exception {
        mock.enqueue(Script.reply("via messages"));
        TestExchange ex = TestExchange.builder(Endpoint.MESSAGES).json(CHAT).build();
        JsonNode body = json(adapter.invoke(ex, target(), client));
        assertEquals("via messages", body.at("/choices/0/message/content").asText());
        assertEquals("/v1/chat/completions", mock.lastRequest().path());
    }

    /** Captures the request and stops there: for URL and option checks that must not hit the network. */
    private static UpstreamRequest capture(Target t, Endpoint endpoint, String json) {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        GatewayException stop = assertThrows(GatewayException.class, () -> new OpenAiAdapter().invoke(
                exchange(endpoint, json), t, req -> {
                    seen.set(req);
                    throw new GatewayException(ErrorCode.INTERNAL, "captured");
                }));
        assertEquals("captured", stop.getMessage());
        return seen.get();
    }

    @Test
    void baseUrlRulesAndRequestOptions() {
        Target noBase = TestTarget.builder("openai").build();
        assertEquals("https://api.openai.com/v1/chat/completions", capture(noBase, Endpoint.CHAT_COMPLETIONS, CHAT).url());
        Target bare = TestTarget.builder("openai").apiBase("https://api.openai.com/").build();
        assertEquals("https://api.openai.com/v1/embeddings",
                capture(bare, Endpoint.EMBEDDINGS, "{\"model\":\"x\",\"input\":\"a\"}").url());
        Target pasted = TestTarget.builder("openai").provider("deepseek")
                .apiBase("https://api.deepseek.com/v1/chat/completions/").build();
        assertEquals("https://api.deepseek.com/v1/chat/completions", capture(pasted, Endpoint.CHAT_COMPLETIONS, CHAT).url());

        Target vendorWithoutBase = TestTarget.builder("openai").alias("ds").provider("deepseek")
                .apiKey("sk-deepseek-secret-123").build();
        GatewayException e;
        try (LogCapture log = LogCapture.of("io.aisix.providerkit")) {
            e = assertThrows(GatewayException.class, () -> new OpenAiAdapter()
                    .invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), vendorWithoutBase, client));
            assertTrue(log.contains("provider key 'ds-key'") && log.contains("api_base") && log.contains("req-123"),
                    log.toString());
            assertFalse(log.contains("sk-deepseek-secret-123"));
        }
        assertEquals(ErrorCode.PROVIDER_KEY_UNUSABLE, e.code());
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.code().type());
        assertTrue(e.getMessage().contains("'ds-key'") && e.getMessage().contains("api_base"), e.getMessage());
        assertEquals(0, mock.requestCount(), "a vendor key is never sent to the OpenAI default");

        Target tls = TestTarget.builder("openai").apiBase("https://vllm.internal:8443/v1")
                .tls("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", false).build();
        UpstreamRequest req = capture(tls, Endpoint.CHAT_COMPLETIONS, CHAT_STREAM);
        assertTrue(req.caPem().orElseThrow().contains("BEGIN CERTIFICATE"));
        assertFalse(req.verifyTls());
        assertTrue(req.stream());
        assertEquals(Duration.ZERO, req.readTimeout(), "no model timeout: the kernel default applies");
        assertEquals("text/event-stream", req.headers().first("accept").orElseThrow());
    }

    @Test
    void refusedCredentialsAreAnAuthenticationErrorNamingTheKey() {
        for (int status : new int[] {401, 403}) {
            mock.enqueue(Script.fail(status).errorMessage("Incorrect API key provided: sk-test-***abc")
                    .header("x-request-id", "req_upstream_" + status));
            TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, CHAT);
            GatewayException e;
            try (LogCapture log = LogCapture.of("io.aisix.providerkit")) {
                e = assertThrows(GatewayException.class, () -> adapter.invoke(ex, target(), client));
                assertTrue(log.contains("req_upstream_" + status) && log.contains("req-123"), log.toString());
                assertFalse(log.contains("sk-test-abc") || log.contains("Incorrect API key"), log.toString());
            }
            assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code());
            assertEquals(401, e.status());
            assertEquals(status, e.upstreamStatus());
            assertEquals("authentication_error", e.code().type());
            assertTrue(e.getMessage().contains("my-gpt-key"), e.getMessage());
            assertFalse(e.getMessage().contains("Incorrect API key"), "the upstream body may quote the key");
            assertEquals("req_upstream_" + status, ex.attr(CoreAttrs.PROVIDER_REQUEST_ID).orElseThrow());
        }
    }

    @Test
    void timeoutsFollowTheTarget() {
        Target both = TestTarget.builder("openai").apiBase(mock.openAiBase()).timeoutMs(9000).streamTimeoutMs(700)
                .build();
        assertEquals(Duration.ofMillis(9000), capture(both, Endpoint.CHAT_COMPLETIONS, CHAT).readTimeout(),
                "timeout: the whole non-streaming call");
        assertEquals(Duration.ofMillis(700), capture(both, Endpoint.CHAT_COMPLETIONS, CHAT_STREAM).readTimeout(),
                "stream_timeout: the wait for each event");
        Target optedOut = TestTarget.builder("openai").apiBase(mock.openAiBase()).timeoutMs(0).build();
        assertEquals(UpstreamRequest.NO_TIMEOUT, capture(optedOut, Endpoint.CHAT_COMPLETIONS, CHAT).readTimeout());
        assertEquals(UpstreamRequest.NO_TIMEOUT, capture(optedOut, Endpoint.CHAT_COMPLETIONS, CHAT_STREAM).readTimeout(),
                "no stream_timeout: the model's timeout, 0 included");
    }

    @Test
    void providerHeadersNeverReplaceAuth() {
        Target t = TestTarget.builder("openai").apiKey("sk-real").header("Authorization", "Bearer sk-evil")
                .header("x-aisix-request-id", "spoofed").build();
        UpstreamRequest req = capture(t, Endpoint.CHAT_COMPLETIONS, CHAT);
        assertEquals(List.of("Bearer sk-real"), req.headers().all("authorization"));
        assertEquals(List.of("req-123"), req.headers().all("x-aisix-request-id"));
    }

    /** DeepSeek-style reasoning ({@code reasoning_content}) reaches the caller untouched, whole and streamed. */
    @Test
    void reasoningContentPassesThrough() throws Exception {
        mock.enqueue(Script.reply("The answer is 4.").reasoning("2 + 2 = 4, so 4."),
                Script.reply("The answer is 4.").reasoning("2 + 2 = 4, so 4.").deltas(3));
        JsonNode whole = json(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":\"ds\",\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"}]}"), target(), client));
        assertEquals("2 + 2 = 4, so 4.", whole.at("/choices/0/message/reasoning_content").asText());
        assertEquals("The answer is 4.", whole.at("/choices/0/message/content").asText());

        List<String> data = TestStreams.drainData(TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":\"ds\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"}]}"),
                target(), client)));
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (String d : data) {
            JsonNode delta = json(d).at("/choices/0/delta");
            reasoning.append(delta.path("reasoning_content").asText(""));
            text.append(delta.path("content").asText(""));
        }
        assertEquals("2 + 2 = 4, so 4.", reasoning.toString());
        assertEquals("The answer is 4.", text.toString());
    }
}
