package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bedrock and Vertex AI from the extracted tarball, called with the official OpenAI SDK: the AWS
 * SDK's signer and credential chain and google-auth run inside their plugin folders' class
 * loaders on request threads. The mock verifies every SigV4 signature and every OAuth2 bearer.
 * The gateway's environment gives the default AWS chain its keys and application default
 * credentials a service-account file; instance metadata lookups are switched off.
 */
@Timeout(120)
class CloudProvidersDistIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALLER = "sk-dist-cloud-0123456789";
    static final String AKID = "AKIADISTEXAMPLE00001";
    static final String SECRET = "dist/secret/abcdefghijklmnopqrstuvwxyz012";

    @TempDir
    static Path dir;
    static MockUpstream mock;
    static InstalledGateway gw;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        mock = MockUpstream.start().requireAwsCredentials(AKID, SECRET, null);
        Path adc = dir.resolve("adc.json");
        Files.writeString(adc, mock.vertexServiceAccount("adc@proj-adc.iam.gserviceaccount.com", "proj-adc"));
        Path home = Files.createDirectories(dir.resolve("home"));
        gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                logging: { access_log: false }
                """, Map.of(
                "AWS_ACCESS_KEY_ID", AKID,
                "AWS_SECRET_ACCESS_KEY", SECRET,
                "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("none").toString(),
                "AWS_CONFIG_FILE", home.resolve("none-config").toString(),
                "GOOGLE_APPLICATION_CREDENTIALS", adc.toString(),
                "NO_GCE_CHECK", "true"), null);

        String awsStatic = key("aws-static", "bedrock", JSON.createObjectNode().put("access_key_id", AKID)
                .put("secret_access_key", SECRET).put("region", "eu-central-1"));
        String awsChain = key("aws-chain", "bedrock", JSON.createObjectNode().put("region", "eu-central-1"));
        ObjectNode sa = (ObjectNode) JSON.readTree(mock.vertexServiceAccount("gw@proj-sa.iam.gserviceaccount.com",
                "proj-sa"));
        String gcpSa = key("gcp-sa", "vertex", sa.put("region", "europe-west4"));
        String gcpAdc = key("gcp-adc", "vertex", JSON.createObjectNode().put("project", "proj-adc")
                .put("region", "us-east5"));
        gw.model("nova", awsStatic, "amazon.nova-pro-v1:0");
        gw.model("nova-chain", awsChain, "us.amazon.nova-lite-v1:0");
        gw.model("claude-br", awsStatic, "anthropic.claude-3-5-haiku-20241022-v1:0");
        gw.model("titan", awsStatic, "amazon.titan-embed-text-v2:0");
        gw.model("gemini", gcpSa, "gemini-2.5-pro");
        gw.model("gemini-adc", gcpAdc, "gemini-2.5-flash");
        gw.model("claude-vx", gcpAdc, "claude-sonnet-4@20250514");
        gw.created("/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER + "\"}");
        gw.awaitServed(CALLER, "claude-vx");
        client = OpenAIOkHttpClient.builder().apiKey(CALLER).baseUrl(gw.uri("proxy", "/v1").toString())
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    static String key(String name, String provider, ObjectNode credentials) {
        ObjectNode k = JSON.createObjectNode().put("display_name", name).put("provider", provider)
                .put("api_base", mock.baseUrl()).put("api_key", credentials.toString());
        return gw.created("/admin/v1/provider_keys", k.toString());
    }

    @AfterAll
    static void stop() {
        InstalledGateway.closeAll(gw, mock);
    }

    static ChatCompletion chat(String model, String prompt) {
        return client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
                .addUserMessage(prompt).maxCompletionTokens(64).build());
    }

    static String stream(String model) {
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(model).addUserMessage("count").maxCompletionTokens(64)
                        .build())) {
            s.stream().forEach(chunk -> {
                assertEquals(model, chunk.model());
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
            });
        }
        return text.toString();
    }

    @Test
    void bedrockWithStaticKeysAndTheDefaultChain() {
        mock.enqueue(Script.reply("static keys"), Script.reply("from the chain"));
        assertEquals("static keys", chat("nova", "hi").choices().get(0).message().content().orElseThrow());
        assertTrue(mock.lastRequest().header("authorization").orElseThrow().contains(AKID + "/"));
        ChatCompletion chain = chat("nova-chain", "hi");
        assertEquals("nova-chain", chain.model());
        assertEquals("from the chain", chain.choices().get(0).message().content().orElseThrow());
        assertEquals("/model/us.amazon.nova-lite-v1%3A0/converse", mock.lastRequest().path());
    }

    @Test
    void bedrockStreamsClaudeAndEmbeddings() {
        mock.enqueue(Script.reply("one two three four").deltas(4));
        assertEquals("one two three four", stream("nova"));
        assertTrue(mock.lastRequest().path().endsWith("/converse-stream"));

        mock.enqueue(Script.reply("Claude via invoke"));
        assertEquals("Claude via invoke", chat("claude-br", "hi").choices().get(0).message().content().orElseThrow());
        assertTrue(mock.lastRequest().path().endsWith("/invoke"));

        CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder().model("titan")
                .input("hello").build());
        assertEquals("titan", e.model());
        assertEquals(1, e.data().size());
        assertFalse(e.data().get(0).embedding().isEmpty());
    }

    @Test
    void bedrockToolCalls() {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("tooluse_1", "get_weather", "{\"city\":\"Paris\"}")));
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("nova")
                .addUserMessage("weather in Paris?")
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .build()).build())
                .build());
        ChatCompletionMessageToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0);
        assertEquals("get_weather", call.function().orElseThrow().function().name());
        assertEquals("{\"city\":\"Paris\"}", call.function().orElseThrow().function().arguments());
    }

    @Test
    void vertexWithAServiceAccountAndApplicationDefaultCredentials() {
        int before = mock.tokensIssued();
        mock.enqueue(Script.reply("Gemini with a service account"), Script.reply("Gemini with ADC"),
                Script.reply("Claude on Vertex").deltas(3), Script.reply("Gemini streams").deltas(2));
        assertEquals("Gemini with a service account",
                chat("gemini", "hi").choices().get(0).message().content().orElseThrow());
        assertEquals("/v1/projects/proj-sa/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent",
                mock.lastRequest().path());
        assertEquals("Gemini with ADC", chat("gemini-adc", "hi").choices().get(0).message().content().orElseThrow());
        assertEquals("Claude on Vertex", stream("claude-vx"));
        assertTrue(mock.lastRequest().path().endsWith("/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict"));
        assertEquals("Gemini streams", stream("gemini-adc"));
        assertTrue(mock.tokensIssued() - before <= 2, "tokens are cached per key: " + mock.tokensIssued());
    }

    @Test
    void theSdksPrintNothingOfTheirOwn() {
        String err = gw.stderr();
        assertFalse(err.contains("SLF4J"), err);
        assertFalse(err.contains("sun.misc.Unsafe"), err);
    }
}
