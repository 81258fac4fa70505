package io.aisix.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamConversionTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String TOOL_BODY = """
            {"id":"c1","object":"chat.completion","created":7,"model":"m1","choices":[{"index":0,
             "message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"t1","type":"function","function":{"name":"lookup","arguments":"{\\"q\\":1}"}}]},
             "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}""";

    @Test
    void aFullAnswerBecomesChunksAndBackWithoutLoss() throws Exception {
        List<SseEvent> chunks = StreamConversion.toChunks(TOOL_BODY.getBytes(StandardCharsets.UTF_8), true).orElseThrow();
        assertEquals(3, chunks.size(), "delta, finish, usage");
        JsonNode first = JSON.readTree(chunks.get(0).data());
        assertEquals("chat.completion.chunk", first.path("object").asText());
        assertEquals(0, first.at("/choices/0/delta/tool_calls/0/index").asInt());
        byte[] back = StreamConversion.toFull(chunks, Optional.empty()).orElseThrow();
        JsonNode original = JSON.readTree(TOOL_BODY);
        JsonNode round = JSON.readTree(back);
        assertEquals(original.at("/choices/0/message/tool_calls"), round.at("/choices/0/message/tool_calls"));
        assertTrue(round.at("/choices/0/message/content").isNull());
        assertEquals("tool_calls", round.at("/choices/0/finish_reason").asText());
        assertEquals(original.get("usage"), round.get("usage"));
        assertEquals("m1", round.path("model").asText());
        assertEquals(2, StreamConversion.toChunks(TOOL_BODY.getBytes(StandardCharsets.UTF_8), false).orElseThrow().size());
    }

    @Test
    void deltasAreJoinedPerChoiceAndToolCallIndex() throws Exception {
        List<SseEvent> events = List.of(
                SseEvent.data("{\"id\":\"x\",\"created\":1,\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":"
                        + "{\"role\":\"assistant\",\"content\":\"Hel\"}},{\"index\":1,\"delta\":{\"content\":\"A\"}}]}"),
                SseEvent.data("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}"),
                SseEvent.data("{\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}"),
                SseEvent.data("{\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                        + "{\"arguments\":\":2}\"}}]},\"finish_reason\":\"tool_calls\"}]}"),
                SseEvent.data("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"),
                SseEvent.data("[DONE]"));
        JsonNode full = JSON.readTree(StreamConversion.toFull(events, Optional.of(new Usage(4, 6))).orElseThrow());
        assertEquals("Hello", full.at("/choices/0/message/content").asText());
        assertEquals("stop", full.at("/choices/0/finish_reason").asText());
        assertEquals("A", full.at("/choices/1/message/content").asText());
        assertEquals("{\"a\":2}", full.at("/choices/1/message/tool_calls/0/function/arguments").asText());
        assertEquals("tool_calls", full.at("/choices/1/finish_reason").asText());
        assertEquals(10, full.at("/usage/total_tokens").asLong(), "recorded usage fills in");
        assertEquals("x", full.path("id").asText());
    }

    @Test
    void replayKeepsOrSynthesisesTheUsageChunkOnlyWhenAsked() {
        SseEvent delta = SseEvent.data("{\"id\":\"x\",\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}");
        SseEvent usage = SseEvent.data("{\"id\":\"x\",\"choices\":[],\"usage\":{\"total_tokens\":3}}");
        assertEquals(List.of(delta), StreamConversion.replay(List.of(delta, usage), false, Optional.empty()));
        assertEquals(List.of(delta, usage), StreamConversion.replay(List.of(delta, usage), true, Optional.empty()));
        List<SseEvent> made = StreamConversion.replay(List.of(delta), true, Optional.of(new Usage(1, 2)));
        assertEquals(2, made.size());
        assertTrue(made.get(1).data().contains("\"total_tokens\":3"));
        assertEquals(1, StreamConversion.replay(List.of(delta), true, Optional.empty()).size());
    }

    @Test
    void unconvertibleInputIsEmptyNotAnError() {
        assertFalse(StreamConversion.toChunks("not json".getBytes(StandardCharsets.UTF_8), false).isPresent());
        assertFalse(StreamConversion.toChunks("{\"object\":\"list\"}".getBytes(StandardCharsets.UTF_8), false).isPresent());
        assertFalse(StreamConversion.toFull(List.of(SseEvent.data("{broken")), Optional.empty()).isPresent());
    }

    @Test
    void entriesRoundTripAndGarbageIsAMiss() {
        CacheEntry.Stream s = new CacheEntry.Stream(List.of(SseEvent.data("{\"a\":\"é\"}"), new SseEvent("ping", "")),
                Optional.of(new Usage(1, 2)));
        CacheEntry back = CacheEntry.decode(CacheEntry.encode(s)).orElseThrow();
        assertEquals(s, back);
        CacheEntry.Full f = new CacheEntry.Full("{}".getBytes(StandardCharsets.UTF_8), Optional.empty());
        CacheEntry.Full fb = (CacheEntry.Full) CacheEntry.decode(CacheEntry.encode(f)).orElseThrow();
        assertEquals("{}", new String(fb.body(), StandardCharsets.UTF_8));
        assertFalse(CacheEntry.decode("garbage".getBytes(StandardCharsets.UTF_8)).isPresent());
        byte[] truncated = CacheEntry.encode(s);
        assertFalse(CacheEntry.decode(java.util.Arrays.copyOf(truncated, truncated.length - 3)).isPresent());
    }

    /** The stored format is shared with other gateway instances and older versions through Redis. */
    @Test
    void theRecordLayoutStaysTheSame() {
        CacheEntry.Stream s = new CacheEntry.Stream(List.of(new SseEvent("e", "é")), Optional.of(new Usage(3, 4)));
        byte[] expected = {
            (byte) 0xA1, 0x5C, 1, 'S', 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4,
            0, 0, 0, 1, 0, 0, 0, 1, 'e', 0, 0, 0, 2, (byte) 0xC3, (byte) 0xA9};
        assertArrayEquals(expected, CacheEntry.encode(s));
        CacheEntry.Full f = new CacheEntry.Full(new byte[] {'{', '}'}, Optional.empty());
        assertArrayEquals(new byte[] {(byte) 0xA1, 0x5C, 1, 'F', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 2, '{', '}'}, CacheEntry.encode(f));
    }
}
