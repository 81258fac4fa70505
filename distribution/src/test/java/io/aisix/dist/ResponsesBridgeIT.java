package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /v1/responses} on models whose provider has no Responses endpoint (issue 19): an
 * OpenAI-compatible vendor (DeepSeek-like, {@code adapter: openai} with an {@code api_base}) and
 * Anthropic answer through their chat completions, in the Responses shape, streaming included,
 * as the official OpenAI Java SDK's responses API reads it. OpenAI itself keeps its own
 * {@code /responses}.
 */
@Timeout(90)
class ResponsesBridgeIT {
    @RegisterExtension
    static final ParityGateway p = new ParityGateway("{ timeout_ms: 10000, retries: 0 }");
    static OpenAIClient sdk;

    @BeforeAll
    static void start() {
        String ds = p.fx.create("provider_keys", """
                {"display_name":"deepseek","provider":"deepseek","adapter":"openai","api_key":"sk-ds-0123456789","api_base":"%s"}"""
                .formatted(p.mock.openAiBase()));
        p.fx.create("models", """
                {"display_name":"ds-chat","provider":"deepseek","provider_key_id":"%s","model_name":"deepseek-chat"}"""
                .formatted(ds));
        String an = p.fx.create("provider_keys", """
                {"display_name":"anthropic","provider":"anthropic","api_key":"sk-ant-0123456789","api_base":"%s"}"""
                .formatted(p.mock.baseUrl()));
        p.fx.create("models", """
                {"display_name":"claude-r","provider":"anthropic","provider_key_id":"%s","model_name":"claude-haiku"}"""
                .formatted(an));
        p.model("gpt-r", "");
        sdk = OpenAIOkHttpClient.builder().apiKey(ParityGateway.CALLER).baseUrl(p.gw.proxy("/v1"))
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void anOpenAiCompatibleVendorAnswersThroughItsChatCompletions() {
        p.mock.enqueue(Script.reply("Paris.").usage(11, 2));
        Response r = sdk.responses().create(ResponseCreateParams.builder().model("ds-chat")
                .instructions("Answer in one word.").input("Capital of France?").maxOutputTokens(50L).build());
        r.validate();
        assertEquals("/v1/chat/completions", p.mock.lastRequest().path());
        JsonNode sent = p.mock.lastRequest().json();
        assertEquals("deepseek-chat", sent.path("model").asText());
        assertEquals("system", sent.at("/messages/0/role").asText());
        assertEquals("Answer in one word.", sent.at("/messages/0/content").asText());
        assertEquals("Capital of France?", sent.at("/messages/1/content").asText());
        assertEquals(50, sent.path("max_tokens").asInt());
        assertFalse(sent.has("input") || sent.has("instructions") || sent.has("max_output_tokens"), sent.toString());

        assertEquals("ds-chat", r.model().asString());
        assertEquals("Paris.", r.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(11, r.usage().orElseThrow().inputTokens());
        assertEquals(2, r.usage().orElseThrow().outputTokens());
        assertEquals(13, r.usage().orElseThrow().totalTokens());
        assertEquals("completed", r.status().orElseThrow().asString());
    }

    @Test
    void anthropicAnswersInTheResponsesShape() {
        p.mock.enqueue(Script.reply("Bonjour !").usage(9, 3));
        Response r = sdk.responses().create(ResponseCreateParams.builder().model("claude-r")
                .instructions("Be French.").input("Say hi.").build());
        r.validate();
        assertEquals("/v1/messages", p.mock.lastRequest().path());
        assertEquals("Be French.", p.mock.lastRequest().json().path("system").asText());
        assertEquals("Bonjour !", r.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(9, r.usage().orElseThrow().inputTokens());
    }

    @Test
    void aStreamFollowsOpenAisEventSequenceAndTheSdkParsesIt() {
        p.mock.enqueue(Script.reply("one two three four").deltas(4).usage(7, 4));
        List<String> types = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Response[] completed = new Response[1];
        try (StreamResponse<ResponseStreamEvent> s = sdk.responses().createStreaming(ResponseCreateParams.builder()
                .model("ds-chat").input("count").build())) {
            s.stream().forEach(e -> {
                e.validate();
                types.add(type(e));
                e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
                e.completed().ifPresent(c -> completed[0] = c.response());
            });
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed"), types);
        assertEquals("one two three four", text.toString());
        assertEquals("one two three four",
                completed[0].output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(7, completed[0].usage().orElseThrow().inputTokens());
        assertEquals(4, completed[0].usage().orElseThrow().outputTokens());
        assertTrue(p.mock.lastRequest().json().at("/stream_options/include_usage").asBoolean());

        // on the wire: named events, numbered in order, no [DONE]
        p.mock.enqueue(Script.reply("ok").deltas(1));
        HttpResponse<String> raw = p.fx.post("/v1/responses", ParityGateway.CALLER,
                "{\"model\":\"claude-r\",\"input\":\"x\",\"stream\":true}");
        assertEquals(200, raw.statusCode(), raw.body());
        assertTrue(raw.body().startsWith("event: response.created\n"), raw.body());
        assertFalse(raw.body().contains("[DONE]"));
        List<JsonNode> events = GatewayFixture.events(raw.body());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).path("sequence_number").asInt(), raw.body());
        }
        assertEquals("response.completed", events.get(events.size() - 1).path("type").asText());
    }

    @Test
    void toolCallsBecomeFunctionCallItemsAndComeBackAsToolMessages() {
        p.mock.enqueue(Script.toolCalls(new Script.ToolCall("call_7", "get_weather", "{\"city\":\"Paris\"}")));
        HttpResponse<String> r = p.fx.post("/v1/responses", ParityGateway.CALLER, """
                {"model":"ds-chat","input":[{"role":"user","content":[{"type":"input_text","text":"Weather?"}]},
                  {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"},
                  {"type":"function_call_output","call_id":"call_1","output":"21C"}],
                 "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}},{"type":"web_search"}],
                 "tool_choice":"auto"}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = p.mock.lastRequest().json();
        assertEquals("Weather?", sent.at("/messages/0/content/0/text").asText());
        assertEquals("call_1", sent.at("/messages/1/tool_calls/0/id").asText());
        assertEquals("tool", sent.at("/messages/2/role").asText());
        assertEquals("21C", sent.at("/messages/2/content").asText());
        assertEquals(1, sent.path("tools").size(), "hosted tools are dropped");
        assertEquals("get_weather", sent.at("/tools/0/function/name").asText());

        JsonNode out = GatewayFixture.tree(r.body());
        assertEquals("function_call", out.at("/output/0/type").asText(), r.body());
        assertEquals("call_7", out.at("/output/0/call_id").asText());
        assertEquals("{\"city\":\"Paris\"}", out.at("/output/0/arguments").asText());
    }

    @Test
    void openAiItselfKeepsItsOwnResponsesEndpoint() {
        Response r = sdk.responses().create(ResponseCreateParams.builder().model("gpt-r").input("hi").build());
        assertEquals("/v1/responses", p.mock.lastRequest().path());
        assertEquals("gpt-r", r.model().asString());
    }

    /** The event's {@code type}, as the SDK read it. */
    private static String type(ResponseStreamEvent e) {
        return e.created().map(x -> "response.created")
                .or(() -> e.inProgress().map(x -> "response.in_progress"))
                .or(() -> e.outputItemAdded().map(x -> "response.output_item.added"))
                .or(() -> e.contentPartAdded().map(x -> "response.content_part.added"))
                .or(() -> e.outputTextDelta().map(x -> "response.output_text.delta"))
                .or(() -> e.outputTextDone().map(x -> "response.output_text.done"))
                .or(() -> e.contentPartDone().map(x -> "response.content_part.done"))
                .or(() -> e.outputItemDone().map(x -> "response.output_item.done"))
                .or(() -> e.completed().map(x -> "response.completed"))
                .orElse("unknown");
    }
}
