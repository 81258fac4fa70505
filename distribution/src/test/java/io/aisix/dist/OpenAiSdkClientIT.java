package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.aisix.testkit.Script;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Java SDK pointed at the gateway, the way users run it. */
@Timeout(60)
class OpenAiSdkClientIT {
    @TempDir
    static Path dir;
    static GatewayFixture fx;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        fx = new GatewayFixture(dir);
        client = OpenAIOkHttpClient.builder().apiKey(GatewayFixture.CALLER).baseUrl(fx.base() + "/v1")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.mock.reset();
    }

    @Test
    void listsTheAliasesTheKeyMayUse() {
        List<String> ids = client.models().list().data().stream().map(Model::id).collect(Collectors.toList());
        assertTrue(ids.containsAll(List.of("gpt", "claude", "gem", "az", "ds", "emb", "smart")), ids.toString());
        assertFalse(ids.contains("openai/*"));
    }

    @Test
    void chatAnswersWithTheAlias() {
        fx.mock.enqueue(Script.reply("Hello from the mock"));
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt").addUserMessage("hi").build());
        assertEquals("gpt", c.model());
        assertEquals("Hello from the mock", c.choices().get(0).message().content().orElseThrow());
        assertEquals("gpt-4o", fx.mock.lastRequest().json().get("model").asText(), "upstream got the upstream id");
    }

    @Test
    void streamingDeliversEveryDelta() {
        fx.mock.enqueue(Script.reply("one two three four").deltas(4));
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("count").build())) {
            s.stream().forEach(chunk -> {
                assertEquals("claude", chunk.model());
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
            });
        }
        assertEquals("one two three four", text.toString());
    }

    @Test
    void toolCallsRoundTrip() {
        fx.mock.enqueue(Script.toolCalls(new Script.ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")));
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt").addUserMessage("weather in Paris?")
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .build()).build())
                .build());
        ChatCompletionMessageToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0);
        assertEquals("get_weather", call.function().orElseThrow().function().name());
        assertEquals("{\"city\":\"Paris\"}", call.function().orElseThrow().function().arguments());
        assertTrue(fx.mock.lastRequest().json().has("tools"), "tools passed upstream");
    }

    @Test
    void embeddings() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("emb")
                .input("hello").build());
        assertFalse(r.data().isEmpty());
        assertEquals("emb", r.model());
    }

    @Test
    void badKeyIsRejected() {
        OpenAIClient bad = OpenAIOkHttpClient.builder().apiKey("sk-wrong").baseUrl(fx.base() + "/v1").maxRetries(0).build();
        UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> bad.models().list());
        assertEquals(401, e.statusCode());
        assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("x").build()));
        assertEquals(0, fx.mock.requestCount(), "rejected requests never reach the upstream");
    }
}
