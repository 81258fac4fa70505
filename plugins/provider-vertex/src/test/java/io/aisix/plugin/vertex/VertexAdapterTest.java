package io.aisix.plugin.vertex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestStreams;
import io.aisix.testkit.TestTarget;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class VertexAdapterTest extends MockUpstreamTestBase {
    static final String EMAIL = "gateway@mock-project.iam.gserviceaccount.com";
    final VertexAdapter adapter = new VertexAdapter();

    static final String CHAT = """
            {"model":"vx","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}""";
    static final String CHAT_STREAM = """
            {"model":"vx","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";

    static Target target(String model, String apiKey) {
        return TestTarget.builder("vertex").alias("vx").upstreamModel(model).apiBase(mock.baseUrl()).apiKey(apiKey)
                .build();
    }

    /** A service-account JSON with the region added, as an operator pastes it into {@code api_key}. */
    static String serviceAccount(String region) throws Exception {
        ObjectNode sa = (ObjectNode) JSON.readTree(mock.vertexServiceAccount(EMAIL, "mock-project"));
        sa.put("region", region);
        return JSON.writeValueAsString(sa);
    }

    static TestExchange exchange(String json) {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json(json).requestId("rid-v").build();
    }

    @Test
    void registeredWithServiceLoader() {
        assertTrue(registeredAdapterIds().contains("vertex"));
        assertTrue(adapter.supports(Endpoint.CHAT_COMPLETIONS));
        assertTrue(adapter.supports(Endpoint.MESSAGES));
        assertFalse(adapter.supports(Endpoint.EMBEDDINGS));
        assertTrue(adapter.supports(Endpoint.RESPONSES), "bridged through chat completions");
    }

    @Test
    void theResponsesApiIsBridgedThroughTheModelsChat() throws Exception {
        Target t = target("gemini-2.5-pro", serviceAccount("europe-west4"));
        mock.enqueue(Script.reply("abc def").deltas(2).usage(4, 2));
        TestExchange ex = TestExchange.builder(Endpoint.RESPONSES).json("""
                {"model":"vx","instructions":"Be brief.","input":"hi","stream":true}""").build();
        List<io.aisix.spi.SseEvent> events = TestStreams.drain(TestStreams.events(adapter.invoke(ex, t, client)));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/v1/projects/mock-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro"
                + ":streamGenerateContent", rec.path());
        assertEquals("Be brief.", rec.json().at("/systemInstruction/parts/0/text").asText());
        assertEquals("response.created", events.get(0).event());
        JsonNode done = JSON.readTree(events.get(events.size() - 1).data());
        assertEquals("response.completed", done.path("type").asText());
        assertEquals("vx", done.at("/response/model").asText());
        assertEquals("abc def", done.at("/response/output/0/content/0/text").asText());
        assertEquals(new Usage(4, 2), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void geminiWithAServiceAccountTokenCachedAcrossRequests() throws Exception {
        Target t = target("gemini-2.5-pro", serviceAccount("europe-west4"));
        mock.enqueue(Script.reply("Bonjour").usage(7, 3), Script.reply("encore"));
        TestExchange ex = exchange(CHAT);
        JsonNode answer = json(adapter.invoke(ex, t, client));
        assertEquals("Bonjour", answer.at("/choices/0/message/content").asText());
        assertEquals("vx", answer.path("model").asText());
        assertEquals(new Usage(7, 3), ex.attr(CoreAttrs.USAGE).orElseThrow());

        RecordedRequest rec = mock.lastRequest();
        assertEquals("/v1/projects/mock-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent",
                rec.path());
        assertTrue(rec.header("authorization").orElseThrow().startsWith("Bearer ya29.mock-"));
        assertEquals("Be brief.", rec.json().at("/systemInstruction/parts/0/text").asText());
        assertEquals("rid-v", rec.header("x-aisix-request-id").orElseThrow());

        json(adapter.invoke(exchange(CHAT), t, client));
        assertEquals(1, mock.tokensIssued(), "the token is cached by google-auth and reused");
    }

    @Test
    void aTokenAboutToExpireIsRefreshedBeforeTheCall() throws Exception {
        mock.vertexTokenTtl(Duration.ofSeconds(60)); // inside google-auth's refresh margin
        Target t = target("gemini-2.5-flash", serviceAccount("us-central1"));
        json(adapter.invoke(exchange(CHAT), t, client));
        json(adapter.invoke(exchange(CHAT), t, client));
        assertEquals(2, mock.tokensIssued());
        assertEquals(2, mock.requestCount(), "both model calls passed the mock's token check");
    }

    @Test
    void geminiStreamWithReasoningAndUsage() throws Exception {
        Target t = target("gemini-2.5-pro", serviceAccount("us-central1"));
        mock.enqueue(Script.reply("The answer is 4.").reasoning("2 plus 2 is 4").deltas(2).usage(5, 6));
        TestExchange ex = exchange(CHAT_STREAM);
        List<String> data = TestStreams.drainData(TestStreams.events(adapter.invoke(ex, t, client)));
        assertEquals("/v1/projects/mock-project/locations/us-central1/publishers/google/models/gemini-2.5-pro"
                + ":streamGenerateContent", mock.lastRequest().path());
        assertEquals("sse", mock.lastRequest().queryParam("alt").orElseThrow());
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (String d : data) {
            JsonNode delta = JSON.readTree(d).at("/choices/0/delta");
            reasoning.append(delta.path("reasoning_content").asText(""));
            text.append(delta.path("content").asText(""));
        }
        assertEquals("2 plus 2 is 4", reasoning.toString());
        assertEquals("The answer is 4.", text.toString());
        assertEquals(6, JSON.readTree(data.get(data.size() - 1)).at("/usage/completion_tokens").asInt());
        assertEquals(new Usage(5, 6), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void claudeOnVertexThroughRawPredict() throws Exception {
        Target t = target("claude-sonnet-4@20250514", serviceAccount("us-east5"));
        mock.enqueue(Script.toolCalls(new Script.ToolCall("toolu_1", "get_weather", "{\"city\":\"Rome\"}")));
        String body = """
                {"model":"vx","max_tokens":50,"messages":[{"role":"user","content":"weather?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
                 "properties":{"city":{"type":"string"}}}}}]}""";
        JsonNode answer = json(adapter.invoke(exchange(body), t, client));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/v1/projects/mock-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514"
                + ":rawPredict", rec.path());
        assertEquals("vertex-2023-10-16", rec.json().path("anthropic_version").asText());
        assertFalse(rec.json().has("model"));
        assertEquals(50, rec.json().path("max_tokens").asInt());
        assertEquals("get_weather", rec.json().at("/tools/0/name").asText());
        assertEquals("tool_calls", answer.at("/choices/0/finish_reason").asText());
        assertEquals("{\"city\":\"Rome\"}", answer.at("/choices/0/message/tool_calls/0/function/arguments").asText());
    }

    @Test
    void claudeOnVertexStreamsThroughStreamRawPredict() throws Exception {
        Target t = target("publishers/anthropic/models/claude-3-5-haiku@20241022", serviceAccount("us-east5"));
        mock.enqueue(Script.reply("streamed claude").reasoning("thinking first").deltas(3));
        List<String> data = TestStreams.drainData(TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), t, client)));
        assertTrue(mock.lastRequest().path().endsWith("/publishers/anthropic/models/claude-3-5-haiku@20241022:streamRawPredict"));
        assertTrue(mock.lastRequest().json().path("stream").asBoolean());
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        for (String d : data) {
            JsonNode delta = JSON.readTree(d).at("/choices/0/delta");
            text.append(delta.path("content").asText(""));
            reasoning.append(delta.path("reasoning_content").asText(""));
        }
        assertEquals("streamed claude", text.toString());
        assertEquals("thinking first", reasoning.toString());
    }

    @Test
    void aPreMintedAccessTokenIsSentAsIs() {
        mock.requireApiKey("ya29.static-token");
        Target good = target("gemini-2.0-flash", """
                {"access_token":"ya29.static-token","project":"p1","region":"global"}""");
        json(adapter.invoke(exchange(CHAT), good, client));
        assertEquals("Bearer ya29.static-token", mock.lastRequest().header("authorization").orElseThrow());
        assertEquals("/v1/projects/p1/locations/global/publishers/google/models/gemini-2.0-flash:generateContent",
                mock.lastRequest().path());
        assertEquals(0, mock.tokensIssued());

        Target stale = target("gemini-2.0-flash", """
                {"access_token":"ya29.expired","project":"p1","region":"global"}""");
        GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), stale, client));
        assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code());
        assertFalse(e.getMessage().contains("ya29"), e.getMessage());
    }

    @Test
    void aServiceAccountWhoseKeyGoogleDoesNotKnowIsRefused() throws Exception {
        ObjectNode forged = (ObjectNode) JSON.readTree(serviceAccount("us-central1"));
        ObjectNode other = (ObjectNode) JSON.readTree(mock.vertexServiceAccount("other@mock-project.iam.gserviceaccount.com",
                "mock-project"));
        forged.put("private_key", other.path("private_key").asText()); // signed with the wrong key
        Target t = target("gemini-2.5-pro", JSON.writeValueAsString(forged));
        try (LogCapture logs = LogCapture.of("io.aisix.providerkit")) {
            GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
            assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code());
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("'test-pk'") || e.getMessage().contains("provider key"), e.getMessage());
            assertFalse(e.getMessage().contains("PRIVATE KEY"));
            assertTrue(logs.contains("credentials refused"), logs.toString());
            assertFalse(logs.contains("PRIVATE KEY"));
        }
        assertEquals(1, mock.tokensRefused());
        assertEquals(0, mock.requestCount(), "no model call without a token");
    }

    @Test
    void anApiKeyThatIsNotVertexCredentialsMakesTheKeyUnusable() {
        for (String bad : List.of("AIza-not-json-secret", "[1,2]", "{\"region\":\"us-central1\"}",
                "{\"access_token\":\"ya29.x\",\"project\":\"p\",\"region\":7}")) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> adapter.invoke(exchange(CHAT), target("gemini-2.5-pro", bad), client), bad);
            assertEquals(ErrorCode.PROVIDER_KEY_UNUSABLE, e.code(), bad);
            assertFalse(e.getMessage().contains("AIza") || e.getMessage().contains("ya29"), e.getMessage());
        }
        GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT),
                target("gemini-2.5-pro", "{\"region\":\"us-central1\"}"), client));
        assertTrue(e.getMessage().contains("/project"), e.getMessage());
        assertEquals(0, mock.requestCount());
    }

    @Test
    void anUnknownPublisherIsABadRequest() {
        GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT),
                target("mistralai/mistral-large", "{\"access_token\":\"t\",\"project\":\"p\"}"), client));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertTrue(e.getMessage().contains("mistralai"), e.getMessage());
    }

    @Test
    void upstreamErrorsMapToTheOpenAiTaxonomy() throws Exception {
        Target t = target("gemini-2.5-pro", serviceAccount("us-central1"));
        mock.enqueue(Script.fail(429).retryAfter("2").errorMessage("Quota exceeded"), Script.fail(400)
                .errorMessage("Invalid argument: contents"), Script.fail(503));
        GatewayException quota = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(429, quota.status());
        assertEquals(Duration.ofSeconds(2), quota.retryAfter().orElseThrow());
        GatewayException bad = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(400, bad.status());
        assertEquals("Invalid argument: contents", bad.getMessage());
        GatewayException down = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, down.code());
    }

    @Test
    void worksOnARequestThreadWhoseContextLoaderIsNotThePlugins() throws Exception {
        // The kernel runs adapters on request threads whose context class loader is the host's;
        // google-auth must still find its own classes (OwnClassLoader sets the plugin's loader).
        Target t = target("gemini-2.5-pro", serviceAccount("us-central1"));
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader foreign = new URLClassLoader(new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            Response r = adapter.invoke(exchange(CHAT), t, client);
            assertEquals(foreign, thread.getContextClassLoader(), "the request thread's loader is restored");
            thread.setContextClassLoader(before);
            assertEquals("Hello! How can I help you today?", json(r).at("/choices/0/message/content").asText());
        } finally {
            thread.setContextClassLoader(before);
        }
        assertEquals(1, mock.tokensIssued());
    }
}
