package io.aisix.plugin.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.support.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Converts cached answers between the two OpenAI chat shapes, so that {@code stream} does not
 * split the cache: a {@code chat.completion} body replays as {@code chat.completion.chunk} events
 * and a captured chunk stream replays as one {@code chat.completion} body.
 *
 * <p>Streams: per choice, one chunk with the whole message as its delta (tool calls carry their
 * {@code index}), then one chunk with the {@code finish_reason}; a usage-only chunk
 * ({@code "choices": []}) follows when the request asked for {@code stream_options.include_usage}.
 * Bodies: deltas are concatenated per choice ({@code content}, {@code reasoning_content},
 * {@code refusal}, tool-call {@code arguments} by tool-call index), the last {@code finish_reason}
 * wins, {@code logprobs.content} arrays are joined, usage comes from the usage chunk or from the
 * usage recorded when the entry was written.
 */
final class StreamConversion {
    private static final ObjectMapper JSON = Json.mapper();

    private StreamConversion() {
    }

    /** A body replayed as a stream; empty when the body is not a chat completion. */
    static Optional<List<SseEvent>> toChunks(byte[] body, boolean includeUsage) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject() || !root.path("choices").isArray()) {
            return Optional.empty();
        }
        List<SseEvent> out = new ArrayList<>();
        for (JsonNode choice : root.get("choices")) {
            int index = choice.path("index").asInt(0);
            JsonNode msg = choice.path("message");
            ObjectNode delta = JSON.createObjectNode();
            delta.put("role", msg.path("role").asText("assistant"));
            copyIfPresent(msg, delta, "content");
            copyIfPresent(msg, delta, "reasoning_content");
            copyIfPresent(msg, delta, "refusal");
            copyIfPresent(msg, delta, "function_call");
            JsonNode tools = msg.get("tool_calls");
            if (tools != null && tools.isArray()) {
                ArrayNode arr = delta.putArray("tool_calls");
                int i = 0;
                for (JsonNode tc : tools) {
                    ObjectNode t = JSON.createObjectNode();
                    t.put("index", i++);
                    tc.fields().forEachRemaining(f -> t.set(f.getKey(), f.getValue()));
                    arr.add(t);
                }
            }
            ObjectNode c1 = chunk(root);
            ObjectNode ch1 = c1.putArray("choices").addObject();
            ch1.put("index", index);
            ch1.set("delta", delta);
            if (choice.has("logprobs")) {
                ch1.set("logprobs", choice.get("logprobs"));
            }
            ch1.putNull("finish_reason");
            out.add(event(c1));
            ObjectNode c2 = chunk(root);
            ObjectNode ch2 = c2.putArray("choices").addObject();
            ch2.put("index", index);
            ch2.putObject("delta");
            JsonNode finish = choice.get("finish_reason");
            ch2.set("finish_reason", finish == null ? JSON.nullNode() : finish);
            out.add(event(c2));
        }
        JsonNode usage = root.get("usage");
        if (includeUsage && usage != null && usage.isObject()) {
            ObjectNode c = chunk(root);
            c.putArray("choices");
            c.set("usage", usage);
            out.add(event(c));
        }
        return Optional.of(out);
    }

    /** A captured stream assembled into one body; empty when an event is not a chat chunk. */
    static Optional<byte[]> toFull(List<SseEvent> events, Optional<Usage> recorded) {
        ObjectNode head = null;
        JsonNode usage = null;
        Map<Integer, ChoiceState> choices = new TreeMap<>();
        for (SseEvent e : events) {
            if (!e.event().isEmpty() || e.data().equals("[DONE]")) {
                continue;
            }
            JsonNode chunk;
            try {
                chunk = JSON.readTree(e.data());
            } catch (IOException ex) {
                return Optional.empty();
            }
            if (chunk == null || !chunk.isObject()) {
                return Optional.empty();
            }
            if (head == null) {
                head = (ObjectNode) chunk;
            }
            JsonNode u = chunk.get("usage");
            if (u != null && u.isObject()) {
                usage = u;
            }
            JsonNode cs = chunk.get("choices");
            if (cs == null || !cs.isArray()) {
                continue;
            }
            for (JsonNode c : cs) {
                ChoiceState st = choices.computeIfAbsent(c.path("index").asInt(0), k -> new ChoiceState());
                st.merge(c);
            }
        }
        if (head == null) {
            return Optional.empty();
        }
        ObjectNode root = JSON.createObjectNode();
        copyIfPresent(head, root, "id");
        root.put("object", "chat.completion");
        copyIfPresent(head, root, "created");
        copyIfPresent(head, root, "model");
        copyIfPresent(head, root, "system_fingerprint");
        copyIfPresent(head, root, "service_tier");
        ArrayNode arr = root.putArray("choices");
        choices.forEach((index, st) -> arr.add(st.toChoice(index)));
        if (usage != null) {
            root.set("usage", usage);
        } else if (recorded.isPresent()) {
            root.set("usage", usageNode(recorded.get()));
        }
        try {
            return Optional.of(JSON.writeValueAsBytes(root));
        } catch (IOException ex) {
            return Optional.empty();
        }
    }

    /**
     * A captured stream replayed as a stream: the usage-only chunk is kept only when the request
     * asked for it, and synthesised from the recorded usage when it asked and the capture has none.
     */
    static List<SseEvent> replay(List<SseEvent> events, boolean includeUsage, Optional<Usage> recorded) {
        List<SseEvent> out = new ArrayList<>(events.size() + 1);
        boolean sawUsage = false;
        JsonNode first = null;
        for (SseEvent e : events) {
            if (e.event().isEmpty() && e.data().contains("\"usage\"")) {
                JsonNode n = parse(e.data());
                if (n != null && n.path("choices").isArray() && n.path("choices").isEmpty()
                        && n.path("usage").isObject()) {
                    sawUsage = true;
                    if (includeUsage) {
                        out.add(e);
                    }
                    continue;
                }
            }
            if (first == null && e.event().isEmpty()) {
                first = parse(e.data());
            }
            out.add(e);
        }
        if (includeUsage && !sawUsage && recorded.isPresent() && first != null && first.isObject()) {
            ObjectNode c = chunk(first);
            c.putArray("choices");
            c.set("usage", usageNode(recorded.get()));
            out.add(event(c));
        }
        return out;
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return null;
        }
    }

    private static ObjectNode usageNode(Usage u) {
        ObjectNode n = JSON.createObjectNode();
        n.put("prompt_tokens", u.promptTokens());
        n.put("completion_tokens", u.completionTokens());
        n.put("total_tokens", u.totalTokens());
        return n;
    }

    private static ObjectNode chunk(JsonNode from) {
        ObjectNode c = JSON.createObjectNode();
        copyIfPresent(from, c, "id");
        c.put("object", "chat.completion.chunk");
        copyIfPresent(from, c, "created");
        copyIfPresent(from, c, "model");
        copyIfPresent(from, c, "system_fingerprint");
        copyIfPresent(from, c, "service_tier");
        return c;
    }

    private static SseEvent event(ObjectNode n) {
        try {
            return SseEvent.data(JSON.writeValueAsString(n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyIfPresent(JsonNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v != null && !v.isMissingNode()) {
            to.set(field, v);
        }
    }

    /** What the deltas of one choice add up to. */
    private static final class ChoiceState {
        String role;
        StringBuilder content;
        StringBuilder reasoning;
        StringBuilder refusal;
        JsonNode finish;
        ArrayNode logprobs;
        final Map<Integer, ToolState> tools = new TreeMap<>();

        void merge(JsonNode choice) {
            JsonNode d = choice.path("delta");
            if (d.path("role").isTextual()) {
                role = d.get("role").asText();
            }
            content = append(content, d.get("content"));
            reasoning = append(reasoning, d.get("reasoning_content"));
            refusal = append(refusal, d.get("refusal"));
            JsonNode tcs = d.get("tool_calls");
            if (tcs != null && tcs.isArray()) {
                int pos = 0;
                for (JsonNode tc : tcs) {
                    int idx = tc.path("index").asInt(pos++);
                    tools.computeIfAbsent(idx, k -> new ToolState()).merge(tc);
                }
            }
            JsonNode f = choice.get("finish_reason");
            if (f != null && !f.isNull()) {
                finish = f;
            }
            JsonNode lp = choice.path("logprobs").path("content");
            if (lp.isArray()) {
                if (logprobs == null) {
                    logprobs = JSON.createArrayNode();
                }
                logprobs.addAll((ArrayNode) lp);
            }
        }

        private static StringBuilder append(StringBuilder sb, JsonNode v) {
            if (v == null || !v.isTextual()) {
                return sb;
            }
            return (sb == null ? new StringBuilder() : sb).append(v.asText());
        }

        ObjectNode toChoice(int index) {
            ObjectNode c = JSON.createObjectNode();
            c.put("index", index);
            ObjectNode m = c.putObject("message");
            m.put("role", role == null ? "assistant" : role);
            if (content != null) {
                m.put("content", content.toString());
            } else if (!tools.isEmpty()) {
                m.putNull("content");
            } else {
                m.put("content", "");
            }
            if (reasoning != null) {
                m.put("reasoning_content", reasoning.toString());
            }
            if (refusal != null) {
                m.put("refusal", refusal.toString());
            }
            if (!tools.isEmpty()) {
                ArrayNode arr = m.putArray("tool_calls");
                tools.values().forEach(t -> arr.add(t.toNode()));
            }
            if (logprobs != null) {
                c.putObject("logprobs").set("content", logprobs);
            } else {
                c.putNull("logprobs");
            }
            c.set("finish_reason", finish == null ? JSON.nullNode() : finish);
            return c;
        }
    }

    private static final class ToolState {
        String id;
        String type;
        StringBuilder name;
        final StringBuilder arguments = new StringBuilder();

        void merge(JsonNode tc) {
            if (tc.path("id").isTextual()) {
                id = tc.get("id").asText();
            }
            if (tc.path("type").isTextual()) {
                type = tc.get("type").asText();
            }
            JsonNode fn = tc.path("function");
            if (fn.path("name").isTextual()) {
                name = (name == null ? new StringBuilder() : name).append(fn.get("name").asText());
            }
            if (fn.path("arguments").isTextual()) {
                arguments.append(fn.get("arguments").asText());
            }
        }

        ObjectNode toNode() {
            ObjectNode t = JSON.createObjectNode();
            if (id != null) {
                t.put("id", id);
            }
            t.put("type", type == null ? "function" : type);
            ObjectNode fn = t.putObject("function");
            fn.put("name", name == null ? "" : name.toString());
            fn.put("arguments", arguments.toString());
            return t;
        }
    }
}
