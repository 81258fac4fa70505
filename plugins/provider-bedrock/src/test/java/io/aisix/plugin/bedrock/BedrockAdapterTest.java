package io.aisix.plugin.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Response;
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
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BedrockAdapterTest extends MockUpstreamTestBase {
    static final String AKID = "AKIAMOCK0000EXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYMOCKSECRET";
    static final String KEY_JSON = "{\"access_key_id\":\"" + AKID + "\",\"secret_access_key\":\"" + SECRET
            + "\",\"region\":\"eu-west-3\"}";
    final BedrockAdapter adapter = new BedrockAdapter();

    static final String CHAT = """
            {"model":"br","temperature":0.3,"max_tokens":200,"stop":"END","messages":[
             {"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}""";
    static final String CHAT_STREAM = """
            {"model":"br","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";

    @BeforeEach
    void signed() {
        mock.requireAwsCredentials(AKID, SECRET, null);
    }

    static Target target(String model, String apiKey) {
        return TestTarget.builder("bedrock").alias("br").upstreamModel(model).apiBase(mock.baseUrl()).apiKey(apiKey)
                .build();
    }

    static TestExchange exchange(String json) {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json(json).requestId("rid-b").build();
    }

    static TestExchange embeddings(String json) {
        return TestExchange.builder(Endpoint.EMBEDDINGS).json(json).build();
    }

    @Test
    void registeredWithServiceLoader() {
        assertTrue(registeredAdapterIds().contains("bedrock"));
        assertTrue(adapter.supports(Endpoint.CHAT_COMPLETIONS));
        assertTrue(adapter.supports(Endpoint.MESSAGES));
        assertTrue(adapter.supports(Endpoint.EMBEDDINGS));
        assertTrue(adapter.supports(Endpoint.RESPONSES), "bridged through chat completions");
    }

    @Test
    void theResponsesApiIsBridgedThroughConverse() throws Exception {
        mock.enqueue(Script.reply("Paris.").usage(8, 2));
        TestExchange ex = TestExchange.builder(Endpoint.RESPONSES).json("""
                {"model":"br","instructions":"One word.","input":"Capital of France?","max_output_tokens":20,
                 "store":false}""").build();
        JsonNode answer = json(adapter.invoke(ex, target("amazon.nova-pro-v1:0", KEY_JSON), client));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/model/amazon.nova-pro-v1%3A0/converse", rec.path());
        assertTrue(rec.header("authorization").orElseThrow().startsWith("AWS4-HMAC-SHA256 "), "signed");
        assertEquals("One word.", rec.json().at("/system/0/text").asText());
        assertEquals("Capital of France?", rec.json().at("/messages/0/content/0/text").asText());
        assertEquals(20, rec.json().at("/inferenceConfig/maxTokens").asInt());
        assertFalse(rec.json().has("store"), "Responses-only fields are dropped");
        assertEquals("response", answer.path("object").asText());
        assertEquals("br", answer.path("model").asText());
        assertEquals("Paris.", answer.at("/output/0/content/0/text").asText());
        assertEquals(8, answer.at("/usage/input_tokens").asInt());
        assertEquals(new Usage(8, 2), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void converseSignedWithStaticKeys() throws Exception {
        mock.enqueue(Script.reply("Salut").usage(11, 4));
        TestExchange ex = exchange(CHAT);
        JsonNode answer = json(adapter.invoke(ex, target("amazon.nova-pro-v1:0", KEY_JSON), client));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/model/amazon.nova-pro-v1%3A0/converse", rec.path());
        String auth = rec.header("authorization").orElseThrow();
        assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=" + AKID + "/"), auth);
        assertTrue(auth.contains("/eu-west-3/bedrock/aws4_request"), auth);
        assertTrue(auth.contains("x-aisix-request-id"), "every header sent is signed: " + auth);
        assertEquals("rid-b", rec.header("x-aisix-request-id").orElseThrow());
        JsonNode body = rec.json();
        assertEquals("Be brief.", body.at("/system/0/text").asText());
        assertEquals("hi", body.at("/messages/0/content/0/text").asText());
        assertEquals(200, body.at("/inferenceConfig/maxTokens").asInt());
        assertEquals(0.3, body.at("/inferenceConfig/temperature").asDouble());
        assertEquals("END", body.at("/inferenceConfig/stopSequences/0").asText());
        assertFalse(body.has("model"));

        assertEquals("Salut", answer.at("/choices/0/message/content").asText());
        assertEquals("stop", answer.at("/choices/0/finish_reason").asText());
        assertEquals("br", answer.path("model").asText());
        assertEquals(15, answer.at("/usage/total_tokens").asInt());
        assertEquals(new Usage(11, 4), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void aWrongSecretIsRefusedByTheSignatureCheck() {
        String wrong = KEY_JSON.replace(SECRET, "not-the-secret-0000000000000000000000000");
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(CHAT), target("amazon.nova-pro-v1:0", wrong), client));
        assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code());
        assertEquals(401, e.status());
        assertFalse(e.getMessage().contains("not-the-secret"));
        assertEquals(1, mock.requestCount(), "the mock saw the call and refused its signature");
    }

    @Test
    void sessionTokensAreSignedAndSent() {
        mock.requireAwsCredentials(AKID, SECRET, "FwoGZXIvYXdzEMOCKTOKEN");
        String withToken = KEY_JSON.replace("\"region\"", "\"session_token\":\"FwoGZXIvYXdzEMOCKTOKEN\",\"region\"");
        json(adapter.invoke(exchange(CHAT), target("amazon.nova-lite-v1:0", withToken), client));
        assertEquals("FwoGZXIvYXdzEMOCKTOKEN", mock.lastRequest().header("x-amz-security-token").orElseThrow());

        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(CHAT), target("amazon.nova-lite-v1:0", KEY_JSON), client));
        assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code());
    }

    @Test
    void theDefaultCredentialChainFindsCredentials(@TempDir Path home) {
        // system properties are the chain's second source (after the environment, unset here)
        String[] props = {"aws.accessKeyId", "aws.secretAccessKey", "aws.sharedCredentialsFile", "aws.configFile"};
        try {
            System.setProperty("aws.accessKeyId", AKID);
            System.setProperty("aws.secretAccessKey", SECRET);
            json(adapter.invoke(exchange(CHAT), target("amazon.nova-pro-v1:0", "{\"region\":\"us-east-1\"}"), client));
            assertTrue(mock.lastRequest().header("authorization").orElseThrow().contains("/us-east-1/bedrock/"));
        } finally {
            for (String p : props) {
                System.clearProperty(p);
            }
        }
    }

    @Test
    void aChainThatFindsNothingMakesTheKeyUnusable(@TempDir Path home) {
        // instance metadata is off for this module's tests (surefire), so the chain ends locally
        assertEquals("true", System.getProperty("aws.disableEc2Metadata"));
        try {
            System.setProperty("aws.sharedCredentialsFile", home.resolve("none").toString());
            System.setProperty("aws.configFile", home.resolve("none-config").toString());
            GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT),
                    target("amazon.nova-pro-v1:0", "{\"region\":\"us-west-2\"}"), client));
            assertEquals(ErrorCode.PROVIDER_KEY_UNUSABLE, e.code());
            assertTrue(e.getMessage().contains("default credential chain"), e.getMessage());
        } finally {
            System.clearProperty("aws.sharedCredentialsFile");
            System.clearProperty("aws.configFile");
        }
        assertEquals(0, mock.requestCount());
    }

    @Test
    void anApiKeyThatIsNotBedrockCredentialsMakesTheKeyUnusable() {
        for (String bad : List.of(SECRET, "{\"access_key_id\":\"" + AKID + "\",\"region\":\"us-east-1\"}",
                "{\"access_key_id\":\"" + AKID + "\",\"secret_access_key\":\"" + SECRET + "\"}",
                "{\"session_token\":\"t\",\"region\":\"us-east-1\"}")) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> adapter.invoke(exchange(CHAT), target("amazon.nova-pro-v1:0", bad), client), bad);
            assertEquals(ErrorCode.PROVIDER_KEY_UNUSABLE, e.code(), bad);
            assertFalse(e.getMessage().contains(SECRET) || e.getMessage().contains("MOCK0000"), e.getMessage());
        }
        assertEquals(0, mock.requestCount());
    }

    @Test
    void toolsImagesAndToolResultsTranslate() throws Exception {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("tooluse_1", "get_weather", "{\"city\":\"Lyon\"}")));
        String body = """
                {"model":"br","tool_choice":"required","tools":[{"type":"function","function":{"name":"get_weather",
                  "description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "messages":[
                  {"role":"user","content":[{"type":"text","text":"Look:"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"tooluse_0","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"tooluse_0","content":"{\\"temp\\":21}"},
                  {"role":"user","content":"and Lyon?"}]}""";
        JsonNode answer = json(adapter.invoke(exchange(body), target("amazon.nova-pro-v1:0", KEY_JSON), client));
        JsonNode sent = mock.lastRequest().json();
        assertEquals("get_weather", sent.at("/toolConfig/tools/0/toolSpec/name").asText());
        assertEquals("object", sent.at("/toolConfig/tools/0/toolSpec/inputSchema/json/type").asText());
        assertTrue(sent.at("/toolConfig/toolChoice/any").isObject());
        JsonNode m = sent.path("messages");
        assertEquals(3, m.size(), "the tool result and the next user text share one user turn: " + m);
        assertEquals("png", m.at("/0/content/1/image/format").asText());
        assertEquals("iVBOR", m.at("/0/content/1/image/source/bytes").asText());
        assertEquals("Paris", m.at("/1/content/0/toolUse/input/city").asText());
        assertEquals("tooluse_0", m.at("/2/content/0/toolResult/toolUseId").asText());
        assertEquals(21, m.at("/2/content/0/toolResult/content/0/json/temp").asInt());
        assertEquals("and Lyon?", m.at("/2/content/1/text").asText());

        assertEquals("tool_calls", answer.at("/choices/0/finish_reason").asText());
        assertTrue(answer.at("/choices/0/message/content").isNull());
        JsonNode call = answer.at("/choices/0/message/tool_calls/0");
        assertEquals("tooluse_1", call.path("id").asText());
        assertEquals("{\"city\":\"Lyon\"}", call.at("/function/arguments").asText());
    }

    @Test
    void imageLinksAreRefusedBeforeAnyCall() {
        String body = """
                {"model":"br","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""";
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(exchange(body), target("amazon.nova-pro-v1:0", KEY_JSON), client));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertEquals(0, mock.requestCount());
    }

    @Test
    void converseStreamDecodesTheEventStream() throws Exception {
        mock.enqueue(Script.reply("Hello there").reasoning("Let me think").deltas(3).usage(9, 5)
                .withToolCalls(new Script.ToolCall("tooluse_9", "lookup", "{\"q\":\"x\"}")));
        TestExchange ex = exchange(CHAT_STREAM);
        List<String> data = TestStreams.drainData(TestStreams.events(
                adapter.invoke(ex, target("us.amazon.nova-pro-v1:0", KEY_JSON), client)));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/model/us.amazon.nova-pro-v1%3A0/converse-stream", rec.path());
        assertEquals("application/vnd.amazon.eventstream", rec.header("accept").orElseThrow());
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder args = new StringBuilder();
        String finish = null;
        for (String d : data) {
            JsonNode c = JSON.readTree(d);
            assertEquals("br", c.path("model").asText());
            JsonNode delta = c.at("/choices/0/delta");
            text.append(delta.path("content").asText(""));
            reasoning.append(delta.path("reasoning_content").asText(""));
            JsonNode tc = delta.path("tool_calls").path(0);
            if (tc.has("id")) {
                assertEquals("tooluse_9", tc.path("id").asText());
                assertEquals("lookup", tc.at("/function/name").asText());
            }
            args.append(tc.at("/function/arguments").asText(""));
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("assistant", JSON.readTree(data.get(0)).at("/choices/0/delta/role").asText());
        assertEquals("Hello there", text.toString());
        assertEquals("Let me think", reasoning.toString());
        assertEquals("{\"q\":\"x\"}", args.toString());
        assertEquals("tool_calls", finish);
        JsonNode last = JSON.readTree(data.get(data.size() - 1));
        assertEquals(14, last.at("/usage/total_tokens").asInt());
        assertEquals(new Usage(9, 5), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void aStreamExceptionOrCorruptFramesFailTheStream() {
        mock.enqueue(Script.reply("a b c d").deltas(4).errorEventAfter(3), Script.reply("x").garbage(),
                Script.reply("a b c d").deltas(4).breakAfter(2).pauseAfter(2));
        EventStream failing = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM),
                target("amazon.nova-pro-v1:0", KEY_JSON), client));
        GatewayException e = TestStreams.failure(failing);
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertTrue(e.getMessage().contains("modelStreamErrorException"), e.getMessage());

        EventStream garbage = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM),
                target("amazon.nova-pro-v1:0", KEY_JSON), client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, TestStreams.failure(garbage).code());

        EventStream broken = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM),
                target("amazon.nova-pro-v1:0", KEY_JSON), client));
        assertTrue(mock.awaitPaused(1, WAIT));
        mock.resume();
        assertEquals(ErrorCode.UPSTREAM_ERROR, TestStreams.failure(broken).code());
    }

    @Test
    void claudeWithoutStreamingGoesThroughInvoke() throws Exception {
        mock.enqueue(Script.reply("Bonjour").reasoning("French greeting").usage(8, 2));
        String body = """
                {"model":"br","max_tokens":64,"messages":[{"role":"system","content":"sys"},{"role":"user","content":"hi"}]}""";
        JsonNode answer = json(adapter.invoke(exchange(body),
                target("us.anthropic.claude-3-5-sonnet-20241022-v2:0", KEY_JSON), client));
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke", rec.path());
        assertEquals("bedrock-2023-05-31", rec.json().path("anthropic_version").asText());
        assertFalse(rec.json().has("model"));
        assertEquals("sys", rec.json().path("system").isTextual() ? rec.json().path("system").asText()
                : rec.json().at("/system/0/text").asText());
        assertEquals("Bonjour", answer.at("/choices/0/message/content").asText());
        assertEquals("French greeting", answer.at("/choices/0/message/reasoning_content").asText());
        assertEquals(10, answer.at("/usage/total_tokens").asInt());
    }

    @Test
    void claudeStreamsThroughConverseStream() throws Exception {
        mock.enqueue(Script.reply("streamed").deltas(2));
        List<String> data = TestStreams.drainData(TestStreams.events(adapter.invoke(exchange(CHAT_STREAM),
                target("anthropic.claude-3-haiku-20240307-v1:0", KEY_JSON), client)));
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", mock.lastRequest().path());
        StringBuilder text = new StringBuilder();
        for (String d : data) {
            text.append(JSON.readTree(d).at("/choices/0/delta/content").asText(""));
        }
        assertEquals("streamed", text.toString());
    }

    @Test
    void titanEmbeddingsOneCallPerInput() throws Exception {
        mock.defaultScript(Script.defaults().usage(3, 0));
        TestExchange ex = embeddings("{\"model\":\"br\",\"input\":[\"a\",\"b\"],\"dimensions\":4}");
        JsonNode answer = json(adapter.invoke(ex, target("amazon.titan-embed-text-v2:0", KEY_JSON), client));
        assertEquals(2, mock.requestCount());
        RecordedRequest rec = mock.lastRequest();
        assertEquals("/model/amazon.titan-embed-text-v2%3A0/invoke", rec.path());
        assertEquals("b", rec.json().path("inputText").asText());
        assertEquals(4, rec.json().path("dimensions").asInt());
        assertEquals(2, answer.path("data").size());
        assertEquals(4, answer.at("/data/1/embedding").size());
        assertEquals(6, answer.at("/usage/prompt_tokens").asInt());
        assertEquals(new Usage(6, 0), ex.attr(CoreAttrs.USAGE).orElseThrow());
    }

    @Test
    void cohereEmbeddingsInOneCall() throws Exception {
        mock.enqueue(Script.defaults().header("x-amzn-bedrock-input-token-count", "7"));
        TestExchange ex = embeddings("{\"model\":\"br\",\"input\":[\"a\",\"b\",\"c\"],\"input_type\":\"search_query\"}");
        JsonNode answer = json(adapter.invoke(ex, target("cohere.embed-multilingual-v3", KEY_JSON), client));
        assertEquals(1, mock.requestCount());
        JsonNode sent = mock.lastRequest().json();
        assertEquals(3, sent.path("texts").size());
        assertEquals("search_query", sent.path("input_type").asText());
        assertEquals(3, answer.path("data").size());
        assertEquals(7, answer.at("/usage/prompt_tokens").asInt());
    }

    @Test
    void otherEmbeddingModelsAreABadRequest() {
        GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(
                embeddings("{\"model\":\"br\",\"input\":\"a\"}"), target("amazon.nova-pro-v1:0", KEY_JSON), client));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertEquals(0, mock.requestCount());
    }

    @Test
    void awsErrorsMapToTheOpenAiTaxonomy() {
        Target t = target("amazon.nova-pro-v1:0", KEY_JSON);
        mock.enqueue(Script.fail(429).errorMessage("Too many requests, please wait before trying again."),
                Script.fail(400).errorMessage("Malformed input request: temperature out of range"),
                Script.fail(403).errorMessage("You don't have access to the model with the specified model ID."),
                Script.fail(500), Script.fail(404).errorMessage("Model not found"));
        GatewayException throttled = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(429, throttled.status());
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, throttled.code());
        assertEquals("Too many requests, please wait before trying again.", throttled.getMessage());
        GatewayException invalid = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(400, invalid.status());
        assertEquals("Malformed input request: temperature out of range", invalid.getMessage());
        GatewayException denied = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, denied.code());
        assertEquals(401, denied.status());
        GatewayException down = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(ErrorCode.UPSTREAM_ERROR, down.code());
        assertEquals(502, down.status());
        GatewayException missing = assertThrows(GatewayException.class, () -> adapter.invoke(exchange(CHAT), t, client));
        assertEquals(404, missing.status());
    }

    @Test
    void signsOnARequestThreadWhoseContextLoaderIsNotThePlugins() throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader foreign = new URLClassLoader(new URL[0], null)) {
            thread.setContextClassLoader(foreign);
            Response r = adapter.invoke(exchange(CHAT), target("amazon.nova-micro-v1:0", KEY_JSON), client);
            assertEquals(foreign, thread.getContextClassLoader());
            thread.setContextClassLoader(before);
            assertEquals("Hello! How can I help you today?", json(r).at("/choices/0/message/content").asText());
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void aStalledStreamTimesOut() {
        mock.enqueue(Script.reply("a b").deltas(2).hangAfter(2));
        Target t = TestTarget.builder("bedrock").alias("br").upstreamModel("amazon.nova-pro-v1:0")
                .apiBase(mock.baseUrl()).apiKey(KEY_JSON).streamTimeoutMs(300).build();
        EventStream s = TestStreams.events(adapter.invoke(exchange(CHAT_STREAM), t, client));
        assertEquals(ErrorCode.TIMEOUT, TestStreams.failure(s).code());
        assertTrue(Duration.ofMillis(300).compareTo(WAIT) < 0);
    }
}
