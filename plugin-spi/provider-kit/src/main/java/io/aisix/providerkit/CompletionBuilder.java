package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Collects the text, reasoning and tool calls of one translated assistant turn and renders the
 * canonical shapes: the assistant {@link #message()} and the whole non-streaming
 * {@code chat.completion} ({@link #completion}). Field order and the rule "content is null when the
 * turn is only tool calls" follow OpenAI. Not thread-safe; one per translation.
 */
public final class CompletionBuilder {
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final ArrayNode calls = ProviderJson.MAPPER.createArrayNode();

    public CompletionBuilder text(String part) {
        text.append(part);
        return this;
    }

    /** Reasoning text ({@code reasoning_content}, DeepSeek's spelling). */
    public CompletionBuilder reasoning(String part) {
        reasoning.append(part);
        return this;
    }

    /** A function tool call; {@code arguments} is the JSON object (absent: {@code {}}), sent as text. */
    public CompletionBuilder toolCall(String id, String name, JsonNode arguments) {
        ObjectNode c = calls.addObject();
        c.put("id", id);
        c.put("type", "function");
        ObjectNode fn = c.putObject("function");
        fn.put("name", name);
        fn.put("arguments", ProviderJson.text(arguments == null ? ProviderJson.object() : arguments));
        return this;
    }

    public boolean hasToolCalls() {
        return !calls.isEmpty();
    }

    /**
     * {@code {role: assistant, content, reasoning_content?, tool_calls?}}; content is null when the
     * turn has tool calls and no text.
     */
    public ObjectNode message() {
        ObjectNode message = ProviderJson.object();
        message.put("role", "assistant");
        if (text.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        return message;
    }

    /**
     * The canonical {@code chat.completion}: one choice with {@link #message()}.
     *
     * @param alias   the alias the caller sent (the answer's {@code model})
     * @param created unix seconds
     */
    public ObjectNode completion(String id, long created, String alias, String finishReason, UsageInfo usage) {
        ObjectNode out = ProviderJson.object();
        out.put("id", id);
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", alias);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("message", message());
        choice.put("finish_reason", finishReason);
        out.set("usage", usage.toNode());
        return out;
    }
}
