package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.SseEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Canonical {@code chat.completion.chunk} events → the Responses API's streaming events, in
 * OpenAI's documented order, each translated as its chunk arrives:
 *
 * <pre>
 * response.created → response.in_progress
 * → response.output_item.added (message) → response.content_part.added (output_text)
 * → response.output_text.delta ×N → response.output_text.done → response.content_part.done
 * → response.output_item.done (message)
 * per tool call: response.output_item.added (function_call) → response.function_call_arguments.delta ×N
 *   → response.function_call_arguments.done → response.output_item.done
 * → response.completed (or response.incomplete), carrying the whole response and its usage
 * </pre>
 *
 * Each event is named by its {@code type} and numbered ({@code sequence_number} from 0). An item
 * closes when the next one opens or the finish reason arrives; the closing
 * {@code response.completed} waits for the end of the chunk stream, so the usage chunk that
 * follows the finish chunk is in it.
 */
final class ResponsesEvents implements EventStream {
    private final EventStream chunks;
    private final Exchange exchange;
    private final ArrayDeque<SseEvent> out = new ArrayDeque<>(8);
    private final ObjectNode response;
    private final List<ObjectNode> items = new ArrayList<>();
    private final TreeMap<Integer, Tool> tools = new TreeMap<>();
    private long sequence;
    private boolean started;
    private boolean done;
    private Text text;
    private String finishReason;
    private UsageInfo usage;

    /** The open message item. */
    private static final class Text {
        final String id = "msg_" + ResponsesBridge.uuid();
        final int outputIndex;
        final StringBuilder text = new StringBuilder();

        Text(int outputIndex) {
            this.outputIndex = outputIndex;
        }
    }

    /** A function-call item, open until the next item or the end. */
    private static final class Tool {
        final String id = "fc_" + ResponsesBridge.uuid();
        final int outputIndex;
        final String callId;
        final String name;
        final StringBuilder arguments = new StringBuilder();
        boolean closed;

        Tool(int outputIndex, String callId, String name) {
            this.outputIndex = outputIndex;
            this.callId = callId;
            this.name = name;
        }
    }

    ResponsesEvents(EventStream chunks, Exchange exchange, String alias, ObjectNode request) {
        this.chunks = chunks;
        this.exchange = exchange;
        this.response = ResponsesBridge.skeleton(ResponsesBridge.id(), System.currentTimeMillis() / 1000, alias, request);
    }

    @Override
    public Optional<SseEvent> next() {
        while (true) {
            SseEvent e = out.poll();
            if (e != null) {
                return Optional.of(e);
            }
            if (done) {
                return Optional.empty();
            }
            Optional<SseEvent> chunk = chunks.next();
            if (chunk.isEmpty()) {
                end();
            } else {
                translate(chunk.get());
            }
        }
    }

    private void emit(String type, ObjectNode data) {
        ObjectNode e = ProviderJson.object();
        e.put("type", type);
        e.put("sequence_number", sequence++);
        e.setAll(data);
        out.add(new SseEvent(type, ProviderJson.text(e)));
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        emit("response.created", wrap(response.deepCopy()));
        emit("response.in_progress", wrap(response.deepCopy()));
    }

    private static ObjectNode wrap(ObjectNode response) {
        ObjectNode d = ProviderJson.object();
        d.set("response", response);
        return d;
    }

    private void translate(SseEvent chunk) {
        if (chunk.data().startsWith("[DONE]")) {
            return;
        }
        ObjectNode c = ProviderJson.parseEvent(chunk.data());
        start();
        UsageInfo u = UsageInfo.fromOpenAi(c.get("usage"));
        if (u != null) {
            usage = u;
        }
        JsonNode choice = c.path("choices").path(0);
        if (choice.isMissingNode()) {
            return;
        }
        JsonNode delta = choice.path("delta");
        String content = delta.path("content").asText("");
        if (!content.isEmpty()) {
            textDelta(content);
        }
        for (JsonNode tc : delta.path("tool_calls")) {
            toolDelta(tc);
        }
        JsonNode finish = choice.get("finish_reason");
        if (finish != null && finish.isTextual()) {
            finishReason = finish.asText();
            closeText();
            closeTools();
        }
    }

    private void textDelta(String content) {
        if (text == null) {
            closeTools();
            text = new Text(items.size());
            ObjectNode item = ResponsesBridge.messageItem(text.id, null, "in_progress");
            items.add(item);
            ObjectNode added = ProviderJson.object().put("output_index", text.outputIndex);
            added.set("item", item.deepCopy());
            emit("response.output_item.added", added);
            ObjectNode part = itemRef(text.id, text.outputIndex).put("content_index", 0);
            part.set("part", ResponsesBridge.outputText(""));
            emit("response.content_part.added", part);
        }
        text.text.append(content);
        ObjectNode d = itemRef(text.id, text.outputIndex).put("content_index", 0).put("delta", content);
        d.putArray("logprobs");
        emit("response.output_text.delta", d);
    }

    private void closeText() {
        if (text == null) {
            return;
        }
        String full = text.text.toString();
        ObjectNode d = itemRef(text.id, text.outputIndex).put("content_index", 0).put("text", full);
        d.putArray("logprobs");
        emit("response.output_text.done", d);
        ObjectNode part = itemRef(text.id, text.outputIndex).put("content_index", 0);
        part.set("part", ResponsesBridge.outputText(full));
        emit("response.content_part.done", part);
        ObjectNode item = ResponsesBridge.messageItem(text.id, full, "completed");
        items.set(text.outputIndex, item);
        ObjectNode doneItem = ProviderJson.object().put("output_index", text.outputIndex);
        doneItem.set("item", item.deepCopy());
        emit("response.output_item.done", doneItem);
        text = null;
    }

    private void toolDelta(JsonNode tc) {
        int index = tc.path("index").asInt(0);
        Tool tool = tools.get(index);
        if (tool == null || tool.closed) {
            closeText();
            closeTools();
            tool = new Tool(items.size(), tc.path("id").asText(""), tc.path("function").path("name").asText(""));
            tools.put(index, tool);
            ObjectNode item = ResponsesBridge.functionCallItem(tool.id, tool.callId, tool.name, "", "in_progress");
            items.add(item);
            ObjectNode added = ProviderJson.object().put("output_index", tool.outputIndex);
            added.set("item", item.deepCopy());
            emit("response.output_item.added", added);
        }
        String args = tc.path("function").path("arguments").asText("");
        if (!args.isEmpty()) {
            tool.arguments.append(args);
            emit("response.function_call_arguments.delta", itemRef(tool.id, tool.outputIndex).put("delta", args));
        }
    }

    private void closeTools() {
        for (Tool tool : tools.values()) {
            if (tool.closed) {
                continue;
            }
            tool.closed = true;
            String args = tool.arguments.toString();
            emit("response.function_call_arguments.done", itemRef(tool.id, tool.outputIndex).put("arguments", args));
            ObjectNode item = ResponsesBridge.functionCallItem(tool.id, tool.callId, tool.name, args, "completed");
            items.set(tool.outputIndex, item);
            ObjectNode doneItem = ProviderJson.object().put("output_index", tool.outputIndex);
            doneItem.set("item", item.deepCopy());
            emit("response.output_item.done", doneItem);
        }
    }

    private static ObjectNode itemRef(String itemId, int outputIndex) {
        return ProviderJson.object().put("item_id", itemId).put("output_index", outputIndex);
    }

    private void end() {
        done = true;
        start();
        closeText();
        closeTools();
        ArrayNode output = response.putArray("output");
        items.forEach(output::add);
        ResponsesBridge.finish(response, finishReason, ResponsesBridge.usage(usage, exchange));
        String type = "incomplete".equals(response.path("status").asText()) ? "response.incomplete" : "response.completed";
        emit(type, wrap(response));
    }

    @Override
    public void close() {
        done = true;
        out.clear();
        chunks.close();
    }
}
