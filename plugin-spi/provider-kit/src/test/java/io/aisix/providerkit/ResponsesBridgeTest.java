package io.aisix.providerkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.BaseExchange;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ResponsesBridgeTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static final class Ex extends BaseExchange {
        Ex(String body) {
            super("POST", "/v1/responses", Endpoint.RESPONSES, Headers.empty(), body.getBytes(StandardCharsets.UTF_8),
                    new Snapshot() {
                        @Override
                        public long revision() {
                            return 1;
                        }

                        @Override
                        public Instant builtAt() {
                            return Instant.EPOCH;
                        }

                        @Override
                        public <T> Map<String, T> all(io.aisix.spi.resource.ResourceKind<T> kind) {
                            return Map.of();
                        }
                    }, "req-1", System.nanoTime());
        }
    }

    @Test
    void requestTranslation() throws Exception {
        ObjectNode chat = ResponsesBridge.toChatRequest((ObjectNode) M.readTree("""
                {"model":"m","instructions":"sys","max_output_tokens":99,"temperature":0.3,"store":true,
                 "reasoning":{"effort":"high"},"previous_response_id":"resp_1","user":"u1",
                 "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}},
                 "input":["plain",
                   {"type":"message","role":"developer","content":"be nice"},
                   {"role":"user","content":[{"type":"input_text","text":"see"},{"type":"input_image","image_url":"https://x/i.png"}]},
                   {"type":"reasoning","summary":[]},
                   {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
                   {"type":"function_call","call_id":"c2","name":"g","arguments":"{}"},
                   {"type":"function_call_output","call_id":"c1","output":[{"type":"output_text","text":"r1"}]}],
                 "tool_choice":{"type":"function","name":"f"}}"""));
        JsonNode m = chat.path("messages");
        assertEquals("system", m.at("/0/role").asText());
        assertEquals("plain", m.at("/1/content").asText());
        assertEquals("system", m.at("/2/role").asText(), "developer is a system turn");
        assertEquals("https://x/i.png", m.at("/3/content/1/image_url/url").asText());
        assertEquals(2, m.at("/4/tool_calls").size(), "consecutive calls share one assistant turn");
        assertTrue(m.at("/4/content").isNull());
        assertEquals("r1", m.at("/5/content").asText());
        assertEquals(6, m.size());
        assertEquals(99, chat.path("max_tokens").asInt());
        assertEquals("u1", chat.path("user").asText());
        assertEquals("out", chat.at("/response_format/json_schema/name").asText());
        assertEquals("f", chat.at("/tool_choice/function/name").asText());
        assertFalse(chat.has("store") || chat.has("reasoning") || chat.has("previous_response_id"), chat.toString());
    }

    @Test
    void aTruncatedAnswerIsIncomplete() throws Exception {
        Ex ex = new Ex("{\"model\":\"alias\",\"input\":\"x\",\"metadata\":{\"k\":\"v\"}}");
        AtomicReference<Exchange> seen = new AtomicReference<>();
        Response r = ResponsesBridge.invoke(ex, chat -> {
            seen.set(chat);
            chat.attr(CoreAttrs.USAGE, new Usage(10, 3, 4, 2));
            return Response.json("""
                    {"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"cut"},
                     "finish_reason":"length"}],"usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13,
                     "prompt_tokens_details":{"cached_tokens":4}}}""".getBytes(StandardCharsets.UTF_8));
        });
        assertEquals(Endpoint.CHAT_COMPLETIONS, seen.get().endpoint());
        assertEquals(new Usage(10, 3, 4, 2), ex.attr(CoreAttrs.USAGE).orElseThrow(), "recorded on the request itself");
        JsonNode out = M.readTree(((Response.Full) r).body());
        assertEquals("response", out.path("object").asText());
        assertEquals("alias", out.path("model").asText());
        assertEquals("incomplete", out.path("status").asText());
        assertEquals("max_output_tokens", out.at("/incomplete_details/reason").asText());
        assertEquals(4, out.at("/usage/input_tokens_details/cached_tokens").asInt());
        assertEquals(2, out.at("/usage/input_tokens_details/cache_write_tokens").asInt());
        assertEquals("v", out.at("/metadata/k").asText());
        assertTrue(out.path("id").asText().startsWith("resp_"));
    }

    private static SseEvent chunk(String delta, String finish) {
        return SseEvent.data("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + delta + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}");
    }

    @Test
    void streamedTextThenToolCalls() throws Exception {
        Ex ex = new Ex("{\"model\":\"alias\",\"input\":\"x\",\"stream\":true}");
        List<SseEvent> chunks = List.of(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("{\"content\":\"Let me\"}", null),
                chunk("{\"content\":\" check.\"}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}]}", null),
                chunk("{}", "tool_calls"),
                SseEvent.data("{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}"));
        AtomicReference<ObjectNode> sent = new AtomicReference<>();
        Response r = ResponsesBridge.invoke(ex, chat -> {
            sent.set(chat.json());
            return Response.stream(EventStream.of(chunks));
        });
        assertTrue(sent.get().at("/stream_options/include_usage").asBoolean());
        EventStream s = ((Response.Streaming) r).events();
        List<String> types = new ArrayList<>();
        JsonNode last = null;
        long seq = 0;
        for (Optional<SseEvent> e = s.next(); e.isPresent(); e = s.next()) {
            JsonNode d = M.readTree(e.get().data());
            assertEquals(e.get().event(), d.path("type").asText());
            assertEquals(seq++, d.path("sequence_number").asLong());
            types.add(e.get().event());
            last = d;
        }
        assertEquals(List.of("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed"), types);
        assertEquals("Let me check.", last.at("/response/output/0/content/0/text").asText());
        assertEquals("function_call", last.at("/response/output/1/type").asText());
        assertEquals("{\"a\":1}", last.at("/response/output/1/arguments").asText());
        assertEquals("call_a", last.at("/response/output/1/call_id").asText());
        assertEquals(11, last.at("/response/usage/total_tokens").asInt());
        assertEquals("completed", last.at("/response/status").asText());
    }
}
