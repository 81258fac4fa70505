package io.aisix.plugin.azureopenai;

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
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AzureOpenAiAdapterTest extends MockUpstreamTestBase {
    final AzureOpenAiAdapter adapter = new AzureOpenAiAdapter();

    static final String CHAT = """
            {"model":"az","messages":[{"role":"user","content":"hi"}],"data_sources":[{"type":"x"}]}""";
    static final String CHAT_STREAM = """
            {"model":"az","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    @BeforeEach
    void requireKey() {
        mock.requireApiKey("azure-key-123456");
    }

    private static TestTarget base() {
        return TestTarget.builder("azure-openai").alias("az").upstreamModel("gpt4o-prod").apiBase(mock.baseUrl())
                .apiKey("azure-key-123456");
    }

    private static Target target() {
        return base().build();
    }

    private static TestExchange exchange(Endpoint e, String json) {
        return TestExchange.builder(e).json(json).requestId("rid-1").build();
    }

    @Test
    void registeredWithServiceLoader() {
        List<String> ids = registeredAdapterIds();
        assertTrue(ids.contains("azure-openai"), ids.toString());
        assertTrue(adapter.supports(Endpoint.RESPONSES), "natively, on Azure's v1 API");
        assertTrue(adapter.supports(Endpoint.MESSAGES));
    }

    @Test
    void chatJsonOnTheDeploymentUrl() throws Exception {
        mock.enqueue(Script.reply("hello from azure").usage(7, 3));
        TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, CHAT);
        JsonNode body = json(adapter.invoke(ex, target(), client));
        assertEquals("az", body.path("model").asText());
        assertEquals("hello from azure", body.at("/choices/0/message/content").asText());
        assertEquals(new Usage(7, 3), ex.attr(CoreAttrs.USAGE).orElseThrow());

        RecordedRequest rec = mock.lastRequest();
        assertEquals("/openai/deployments/gpt4o-prod/chat/completions", rec.path());
        assertEquals("2024-10-21", rec.queryParam("api-version").orElseThrow());
        assertEquals("azure-key-123456", rec.header("api-key").orElseThrow());
        assertTrue(rec.header("authorization").isEmpty());
        assertEquals("rid-1", rec.header("x-aisix-request-id").orElseThrow());
        assertEquals("x", rec.json().at("/data_sources/0/type").asText(), "unknown fields pass through");
    }

    @Test
    void apiVersionAndPastedBase() {
        Target t = base().apiVersion("2025-01-01-preview").apiBase(mock.baseUrl() + "/openai/").build();
        mock.enqueue(Script.reply("x"));
        adapter.invoke(exchange(Endpoint.EMBEDDINGS, "{\"input\":\"a\"}"), t, client);
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/openai/deployments/gpt4o-prod/embeddings", rec.path());
        assertEquals("2025-01-01-preview", rec.queryParam("api-version").orElseThrow());
        assertEquals("a%2Fb%20c", io.aisix.providerkit.UrlPaths.segment("a/b c"));

        Target noBase = TestTarget.builder("azure-openai").build();
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), noBase, client));
        assertEquals(ErrorCode.PROVIDER_KEY_UNUSABLE, e.code());
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("api_base"), e.getMessage());
    }

    @Test
    void streamSkipsPromptFilterPreambleAndArrivesIncrementally() throws Exception {
        mock.enqueue(Script.reply("abc def ghi").deltas(3).pauseAfter(3).usage(4, 5));
        TestExchange ex = exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM);
        EventStream s = TestStreams.events(adapter.invoke(ex, target(), client));
        // preamble (dropped), role chunk, first delta: both received while the mock holds the rest
        JsonNode role = JSON.readTree(TestStreams.nextWithin(s, WAIT).orElseThrow().data());
        assertEquals("assistant", role.at("/choices/0/delta/role").asText());
        assertEquals("az", role.path("model").asText());
        TestStreams.nextWithin(s, WAIT).orElseThrow();
        assertTrue(mock.awaitPaused(1, WAIT));
        assertEquals(0, mock.streamsCompleted());
        mock.resume();
        List<String> rest = TestStreams.drainData(s);
        assertEquals(3, rest.size(), rest.toString()); // 2 deltas + finish; usage chunk consumed
        for (String d : rest) {
            assertEquals("az", JSON.readTree(d).path("model").asText());
        }
        assertEquals(new Usage(4, 5), ex.attr(CoreAttrs.USAGE).orElseThrow());
        assertTrue(mock.lastRequest().json().at("/stream_options/include_usage").asBoolean());
    }

    @Test
    void toolCalls() throws Exception {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("call_1", "lookup", "{\"id\":42}")));
        JsonNode body = json(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertEquals("lookup", body.at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals("{\"id\":42}", body.at("/choices/0/message/tool_calls/0/function/arguments").asText());

        mock.enqueue(Script.toolCalls(new Script.ToolCall("call_1", "lookup", "{\"id\":42}")).deltas(2));
        StringBuilder args = new StringBuilder();
        for (String d : TestStreams.drainData(TestStreams.events(
                adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client)))) {
            args.append(JSON.readTree(d).at("/choices/0/delta/tool_calls/0/function/arguments").asText(""));
        }
        assertEquals("{\"id\":42}", args.toString());
    }

    @Test
    void errors() {
        mock.enqueue(Script.fail(400).errorMessage("The response was filtered"));
        GatewayException e4 = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertEquals(400, e4.status());
        assertEquals("The response was filtered", e4.getMessage());

        mock.enqueue(Script.fail(503).errorMessage("backend pool xyz-internal down").retryAfter("2"));
        GatewayException e5 = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), target(), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e5.code());
        assertFalse(e5.getMessage().contains("xyz-internal"));
        assertEquals(Duration.ofSeconds(2), e5.retryAfter().orElseThrow());

        Target wrongKey = base().apiKey("wrong").build();
        GatewayException auth = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT), wrongKey, client));
        assertEquals(401, auth.status());
    }

    @Test
    void brokenStreamAndIdleTimeout() {
        mock.enqueue(Script.reply("a b c").deltas(3).pauseAfter(2).breakAfter(2));
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow(); // preamble dropped: this is the role chunk
        assertTrue(mock.awaitPaused(1, WAIT)); // resuming earlier would leave the stream paused
        mock.resume();
        assertEquals(ErrorCode.UPSTREAM_ERROR, TestStreams.failure(s).code()); // drain until the break

        Target slow = base().timeoutMs(250).build();
        mock.enqueue(Script.reply("a b c").hangAfter(3));
        EventStream h = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), slow, client));
        assertEquals(ErrorCode.TIMEOUT, TestStreams.failure(h).code()); // the mock goes silent after 3 events
    }

    @Test
    void closeCancelsUpstream() {
        mock.enqueue(Script.reply("a b c d e f g h").deltas(8).pauseAfter(3).deltaDelay(Duration.ofMillis(5)));
        EventStream s = TestStreams.events(adapter.invoke(exchange(Endpoint.CHAT_COMPLETIONS, CHAT_STREAM), target(), client));
        TestStreams.nextWithin(s, WAIT).orElseThrow();
        assertTrue(mock.awaitPaused(1, WAIT));
        s.close();
        mock.resume();
        assertTrue(mock.awaitStreamsCancelled(1, WAIT));
    }

    @Test
    void responsesOnTheV1Api() throws Exception {
        mock.enqueue(Script.reply("responses on azure").usage(5, 2));
        TestExchange r = exchange(Endpoint.RESPONSES, "{\"model\":\"az\",\"input\":\"hi\",\"store\":false}");
        JsonNode body = json(adapter.invoke(r, target(), client));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/openai/v1/responses", rec.path());
        assertEquals("", rec.rawQuery(), "the v1 API takes no api-version");
        assertEquals("azure-key-123456", rec.header("api-key").orElseThrow());
        assertEquals("gpt4o-prod", rec.json().path("model").asText(), "the deployment is the body's model");
        assertFalse(rec.json().path("store").asBoolean(true), "unknown fields pass through");
        assertEquals("az", body.path("model").asText());
        assertEquals("responses on azure", body.at("/output/0/content/0/text").asText());
        assertEquals(new Usage(5, 2), r.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void responsesStreamOnTheV1Api() throws Exception {
        mock.enqueue(Script.reply("abc def").deltas(2).usage(4, 2));
        TestExchange r = exchange(Endpoint.RESPONSES, "{\"model\":\"az\",\"input\":\"hi\",\"stream\":true}");
        List<io.aisix.spi.SseEvent> events = TestStreams.drain(TestStreams.events(adapter.invoke(r, target(), client)));
        assertEquals("response.created", events.get(0).event());
        assertEquals("response.completed", events.get(events.size() - 1).event());
        assertEquals("az", JSON.readTree(events.get(events.size() - 1).data()).at("/response/model").asText());
        assertEquals(new Usage(4, 2), r.attr(CoreAttrs.USAGE).orElseThrow());
        assertEquals("/openai/v1/responses", mock.lastRequest().path());
    }

    @Test
    void imagesSpeechAndTranscriptionsOnDeploymentRoutes() throws Exception {
        AzureOpenAiAdapter a = new AzureOpenAiAdapter();
        JsonNode img = json(a.invoke(TestExchange.builder(Endpoint.IMAGES_GENERATIONS)
                .json("{\"model\":\"az\",\"prompt\":\"p\"}").build(), target(), client));
        assertEquals(1, img.path("data").size());
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/openai/deployments/gpt4o-prod/images/generations", rec.path());
        assertEquals("azure-key-123456", rec.header("api-key").orElseThrow());
        assertTrue(rec.queryParam("api-version").isPresent());

        var speech = a.invoke(TestExchange.builder(Endpoint.AUDIO_SPEECH)
                .json("{\"model\":\"az\",\"input\":\"hey\",\"voice\":\"alloy\"}").build(), target(), client);
        try (var in = ((io.aisix.spi.Response.Binary) speech).body()) {
            assertEquals(3000, in.readAllBytes().length);
        }
        assertEquals("/openai/deployments/gpt4o-prod/audio/speech", mock.lastRequest().path());

        byte[] form = ("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\naz\r\n--B\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"x.wav\"\r\n\r\nRIFF....\r\n--B--\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TestExchange ex = TestExchange.builder(Endpoint.AUDIO_TRANSCRIPTIONS)
                .multipart("multipart/form-data; boundary=B", new java.io.ByteArrayInputStream(form), form.length).build();
        JsonNode t = json(a.invoke(ex, target(), client));
        assertEquals("transcript of x.wav: 8 bytes, model gpt4o-prod", t.path("text").asText());
        assertEquals("/openai/deployments/gpt4o-prod/audio/transcriptions", mock.lastRequest().path());
    }

    @Test
    void rerankIsNotAnAzureOpenAiEndpoint() {
        AzureOpenAiAdapter a = new AzureOpenAiAdapter();
        assertFalse(a.supports(Endpoint.RERANK));
        GatewayException e = assertThrows(GatewayException.class, () -> a.invoke(TestExchange.builder(Endpoint.RERANK)
                .json("{\"model\":\"az\",\"query\":\"q\",\"documents\":[\"d\"]}").build(), target(), client));
        assertEquals(ErrorCode.ENDPOINT_NOT_SUPPORTED, e.code());
    }
}
