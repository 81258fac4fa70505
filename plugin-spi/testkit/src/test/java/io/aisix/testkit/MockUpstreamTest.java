package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Headers;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.provider.SseReader;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MockUpstreamTest extends MockUpstreamTestBase {
    private static UpstreamResponse post(String path, String body, String... headers) {
        return client.send(UpstreamRequest.postJson(mock.baseUrl() + path, Headers.of(headers),
                body.getBytes(StandardCharsets.UTF_8), body.contains("\"stream\":true")));
    }

    private static JsonNode json(UpstreamResponse r) {
        try {
            return MockJson.MAPPER.readTree(r.readAll());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<SseEvent> events(UpstreamResponse r) {
        List<SseEvent> out = new ArrayList<>();
        try (SseReader reader = new SseReader(r.body())) {
            Optional<SseEvent> e;
            while ((e = reader.next()).isPresent()) {
                out.add(e.get());
            }
        }
        return out;
    }

    static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String CHAT_STREAM = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void openAiChatJsonAndRecording() {
        mock.enqueue(Script.reply("Hello there").usage(3, 2));
        try (UpstreamResponse r = post("/v1/chat/completions", CHAT, "authorization", "Bearer sk-1")) {
            assertEquals(200, r.status());
            JsonNode j = json(r);
            assertEquals("chat.completion", j.path("object").asText());
            assertEquals("gpt-4o", j.path("model").asText());
            assertEquals("Hello there", j.at("/choices/0/message/content").asText());
            assertEquals(5, j.at("/usage/total_tokens").asInt());
        }
        RecordedRequest rec = mock.lastRequest();
        assertEquals("POST", rec.method());
        assertEquals("/v1/chat/completions", rec.path());
        assertEquals("Bearer sk-1", rec.header("Authorization").orElseThrow());
        assertEquals("gpt-4o", rec.json().path("model").asText());
    }

    @Test
    void openAiStreamWithUsageAndDone() {
        mock.enqueue(Script.reply("abcdef").deltas(3));
        try (UpstreamResponse r = post("/v1/chat/completions", CHAT_STREAM)) {
            List<SseEvent> ev = events(r);
            // role, 3 deltas, finish, usage, [DONE]
            assertEquals(7, ev.size(), ev.toString());
            assertEquals("[DONE]", ev.get(6).data());
            JsonNode usage = MockJson.parseObject(ev.get(5).data());
            assertTrue(usage.path("choices").isEmpty());
            assertEquals(21, usage.at("/usage/total_tokens").asInt());
            assertEquals("stop", MockJson.parseObject(ev.get(4).data()).at("/choices/0/finish_reason").asText());
        }
        assertEquals(1, mock.streamsCompleted());
    }

    @Test
    void toolCallsStreamAsDeltas() {
        mock.enqueue(Script.toolCalls(new Script.ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")).deltas(2));
        try (UpstreamResponse r = post("/v1/chat/completions", CHAT_STREAM)) {
            List<SseEvent> ev = events(r);
            StringBuilder args = new StringBuilder();
            for (SseEvent e : ev) {
                JsonNode j = e.data().equals("[DONE]") ? null : MockJson.parseObject(e.data());
                if (j != null && j.at("/choices/0/delta/tool_calls/0/function/arguments").isTextual()) {
                    args.append(j.at("/choices/0/delta/tool_calls/0/function/arguments").asText());
                }
            }
            assertEquals("{\"city\":\"Paris\"}", args.toString());
        }
    }

    @Test
    void failureInProviderFormatWithRetryAfter() {
        mock.enqueue(Script.fail(429).retryAfter("7").errorMessage("slow down"));
        try (UpstreamResponse r = post("/v1/messages", "{}", "anthropic-version", "2023-06-01")) {
            // validation runs first: an invalid Anthropic request is a 400 in Anthropic's format
            assertEquals(400, r.status());
            assertEquals("error", json(r).path("type").asText());
        }
        mock.reset();
        mock.enqueue(Script.fail(429).retryAfter("7").errorMessage("slow down"));
        String body = "{\"model\":\"claude\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (UpstreamResponse r = post("/v1/messages", body, "anthropic-version", "2023-06-01")) {
            assertEquals(429, r.status());
            assertEquals("7", r.headers().first("retry-after").orElseThrow());
            JsonNode j = json(r);
            assertEquals("rate_limit_error", j.at("/error/type").asText());
            assertEquals("slow down", j.at("/error/message").asText());
        }
    }

    @Test
    void requiredKeyIsCheckedPerProvider() {
        mock.requireApiKey("k1");
        try (UpstreamResponse r = post("/v1/chat/completions", CHAT, "authorization", "Bearer nope")) {
            assertEquals(401, r.status());
        }
        String gem = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";
        try (UpstreamResponse r = post("/v1beta/models/gemini-2.0-flash:generateContent?key=k1", gem)) {
            assertEquals(200, r.status());
            assertEquals("gemini-2.0-flash", json(r).path("modelVersion").asText());
        }
        try (UpstreamResponse r = post("/openai/deployments/dep1/chat/completions?api-version=2024-10-21", CHAT,
                "api-key", "k1")) {
            assertEquals(200, r.status());
            assertEquals("dep1", json(r).path("model").asText());
        }
    }

    @Test
    void brokenStreamIsNotACleanEnd() {
        mock.enqueue(Script.reply("abcdef").deltas(3).pauseAfter(2).breakAfter(2));
        try (UpstreamResponse r = post("/v1/chat/completions", CHAT_STREAM)) {
            SseReader reader = new SseReader(r.body());
            assertTrue(reader.next().isPresent());
            assertTrue(reader.next().isPresent());
            mock.resume();
            assertThrows(UncheckedIOException.class, reader::next);
        }
        assertEquals(1, mock.streamsBroken());
    }

    @Test
    void hangingStreamTimesOutOnIdleRead() {
        mock.enqueue(Script.reply("abcdef").hangAfter(1));
        UpstreamRequest req = new UpstreamRequest("POST", mock.baseUrl() + "/v1/chat/completions", Headers.empty(),
                CHAT_STREAM.getBytes(StandardCharsets.UTF_8), true, Duration.ofMillis(300), Optional.empty(), true);
        try (UpstreamResponse r = client.send(req)) {
            SseReader reader = new SseReader(r.body());
            assertTrue(reader.next().isPresent());
            UncheckedIOException e = assertThrows(UncheckedIOException.class, reader::next);
            assertInstanceOf(SocketTimeoutException.class, e.getCause());
        }
    }

    @Test
    void hangBeforeHeadersTimesOut() {
        mock.enqueue(Script.defaults().hang());
        UpstreamRequest req = new UpstreamRequest("POST", mock.baseUrl() + "/v1/chat/completions", Headers.empty(),
                CHAT.getBytes(StandardCharsets.UTF_8), false, Duration.ofMillis(300), Optional.empty(), true);
        GatewayException e = assertThrows(GatewayException.class, () -> client.send(req));
        assertEquals(ErrorCode.TIMEOUT, e.code());
    }

    @Test
    void connectFailureIsUpstreamError() {
        UpstreamRequest req = UpstreamRequest.postJson("http://127.0.0.1:1/v1/chat/completions", Headers.empty(),
                CHAT.getBytes(StandardCharsets.UTF_8), false);
        GatewayException e = assertThrows(GatewayException.class, () -> client.send(req));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
    }

    @Test
    void pauseProvesIncrementalDeliveryAndCloseCancels() {
        mock.enqueue(Script.reply("a b c d e f g h i j").deltas(10).pauseAfter(2).deltaDelay(Duration.ofMillis(5)));
        UpstreamResponse r = post("/v1/chat/completions", CHAT_STREAM);
        SseReader reader = new SseReader(r.body());
        assertTrue(reader.next().isPresent());
        assertTrue(reader.next().isPresent());
        assertTrue(mock.awaitPaused(1, Duration.ofSeconds(10)));
        assertEquals(0, mock.streamsCompleted());
        r.close();
        mock.resume();
        assertTrue(mock.awaitStreamsCancelled(1, Duration.ofSeconds(10)), "the mock saw the client go away");
        assertEquals(0, mock.streamsCompleted());
    }

    @Test
    void garbageBody() {
        mock.enqueue(Script.defaults().garbage());
        try (UpstreamResponse r = post("/v1/chat/completions", CHAT)) {
            assertEquals(200, r.status());
            assertTrue(new String(r.readAll(), StandardCharsets.UTF_8).startsWith("this is not json"));
        }
    }

    @Test
    void anthropicStreamEvents() {
        mock.enqueue(Script.reply("Hi!").deltas(2)
                .withToolCalls(new Script.ToolCall("toolu_1", "lookup", "{\"q\":\"x\"}")));
        String body = "{\"model\":\"claude\",\"max_tokens\":10,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (UpstreamResponse r = post("/v1/messages", body, "anthropic-version", "2023-06-01")) {
            List<String> names = events(r).stream().map(SseEvent::event).toList();
            assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta",
                    "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta",
                    "content_block_delta", "content_block_stop", "message_delta", "message_stop"), names);
        }
    }

    @Test
    void geminiStreamAndResponsesStream() {
        mock.enqueue(Script.reply("abcd").deltas(2));
        String gem = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";
        try (UpstreamResponse r = post("/v1beta/models/g:streamGenerateContent?alt=sse", gem)) {
            List<SseEvent> ev = events(r);
            assertEquals(2, ev.size());
            assertEquals("STOP", MockJson.parseObject(ev.get(1).data()).at("/candidates/0/finishReason").asText());
        }
        mock.enqueue(Script.reply("abcd").deltas(2));
        try (UpstreamResponse r = post("/v1/responses", "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":\"hi\"}")) {
            List<SseEvent> ev = events(r);
            assertEquals("response.created", ev.get(0).event());
            assertEquals("response.completed", ev.get(ev.size() - 1).event());
            assertFalse(ev.stream().anyMatch(e -> e.data().equals("[DONE]")));
        }
        try (UpstreamResponse r = client.send(new UpstreamRequest("GET", mock.openAiBase() + "/models", Headers.empty(),
                new byte[0], false, Duration.ZERO, Optional.empty(), true))) {
            assertEquals("list", json(r).path("object").asText());
        }
    }
}
