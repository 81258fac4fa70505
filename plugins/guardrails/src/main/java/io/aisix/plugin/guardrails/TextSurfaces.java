package io.aisix.plugin.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where text lives in the canonical request and answer shapes. Guardrails inspect every text
 * surface a model reads or writes:
 *
 * <ul>
 *   <li>requests: {@code messages[].content} (a string, or parts of type {@code text} /
 *       {@code input_text}, {@code tool_result} blocks, and every string inside an Anthropic
 *       {@code tool_use} block's {@code input}), {@code messages[].tool_calls[].function.arguments},
 *       Anthropic-style {@code system}, {@code prompt} (completions), {@code input} and
 *       {@code instructions} (embeddings, responses);</li>
 *   <li>answers: {@code choices[].message.content}, {@code .reasoning_content},
 *       {@code .tool_calls[].function.arguments}, {@code choices[].text} (completions),
 *       {@code output[].content[].text} (responses) and the {@code text} blocks of an Anthropic
 *       {@code message};</li>
 *   <li>stream chunks: {@code choices[].delta.content}, {@code .reasoning_content},
 *       {@code .tool_calls[].function.arguments} and {@code choices[].text}, each a separate
 *       {@linkplain StreamText channel} per choice so text of different choices never mixes; and
 *       an Anthropic {@code content_block_delta}'s {@code text_delta.text} or
 *       {@code input_json_delta.partial_json}, a channel per content block; a Responses API
 *       {@code response.*.delta} event's {@code delta} (output text, function-call arguments,
 *       refusals, reasoning), a channel per output item, part and kind. The Responses events that
 *       repeat whole texts ({@code *.done}, {@code response.completed}, ...) are
 *       {@linkplain #responsesSummary summaries}.</li>
 * </ul>
 * Anthropic {@code thinking} blocks are left alone: they are signed, and a changed one is refused.
 */
final class TextSurfaces {
    private TextSurfaces() {
    }

    static List<TextSlot> request(ObjectNode body) {
        List<TextSlot> out = new ArrayList<>();
        JsonNode messages = body.get("messages");
        if (messages instanceof ArrayNode arr) {
            for (JsonNode m : arr) {
                if (m instanceof ObjectNode msg) {
                    content(msg, "content", out);
                    toolCalls(msg.get("tool_calls"), out::add);
                }
            }
        }
        content(body, "system", out);
        content(body, "prompt", out);
        content(body, "input", out);
        content(body, "query", out); // rerank
        content(body, "documents", out); // rerank: strings or {"text": ...} objects
        content(body, "instructions", out);
        return out;
    }

    static List<TextSlot> response(ObjectNode body) {
        List<TextSlot> out = new ArrayList<>();
        JsonNode choices = body.get("choices");
        if (choices instanceof ArrayNode arr) {
            for (JsonNode c : arr) {
                if (!(c instanceof ObjectNode choice)) {
                    continue;
                }
                if (choice.get("message") instanceof ObjectNode msg) {
                    content(msg, "content", out);
                    string(msg, "reasoning_content", out::add);
                    toolCalls(msg.get("tool_calls"), out::add);
                }
                string(choice, "text", out::add);
            }
        }
        if ("message".equals(body.path("type").asText())) {
            content(body, "content", out);
        }
        responsesOutput(body.get("output"), out);
        return out;
    }

    /** The text of Responses API output items: message parts, function-call arguments, reasoning summaries. */
    private static void responsesOutput(JsonNode output, List<TextSlot> out) {
        if (output instanceof ArrayNode items) {
            for (JsonNode item : items) {
                if (item instanceof ObjectNode o) {
                    responsesItem(o, out);
                }
            }
        }
    }

    private static void responsesItem(ObjectNode item, List<TextSlot> out) {
        content(item, "content", out);
        string(item, "arguments", out::add);
        if (item.get("summary") instanceof ArrayNode parts) {
            for (JsonNode p : parts) {
                if (p instanceof ObjectNode part) {
                    string(part, "text", out::add);
                }
            }
        }
    }

    /**
     * The complete texts a Responses API stream event repeats ({@code response.output_text.done},
     * {@code response.content_part.done}, {@code response.output_item.done},
     * {@code response.completed} and the like): they must say what the checked deltas said.
     * Empty for deltas and for events without text.
     */
    static List<TextSlot> responsesSummary(ObjectNode event) {
        String type = event.path("type").asText("");
        if (!type.startsWith("response.") || type.endsWith(".delta")) {
            return List.of();
        }
        List<TextSlot> out = new ArrayList<>();
        switch (type) {
            case "response.output_text.done", "response.reasoning_summary_text.done", "response.reasoning_text.done" ->
                    string(event, "text", out::add);
            case "response.function_call_arguments.done" -> string(event, "arguments", out::add);
            case "response.refusal.done" -> string(event, "refusal", out::add);
            case "response.content_part.added", "response.content_part.done", "response.reasoning_summary_part.added",
                 "response.reasoning_summary_part.done" -> {
                if (event.get("part") instanceof ObjectNode part) {
                    string(part, "text", out::add);
                    string(part, "refusal", out::add);
                }
            }
            case "response.output_item.added", "response.output_item.done" -> {
                if (event.get("item") instanceof ObjectNode item) {
                    responsesItem(item, out);
                }
            }
            default -> {
                if (event.get("response") instanceof ObjectNode response) {
                    responsesOutput(response.get("output"), out);
                }
            }
        }
        return out;
    }

    /** One piece of streamed text: which channel it belongs to and where it sits in the chunk. */
    record StreamText(String channel, TextSlot.Field slot) {
    }

    /** The text pieces of one {@code chat.completion.chunk} (or completions chunk, or Anthropic event). */
    static List<StreamText> chunk(ObjectNode chunk) {
        String type = chunk.path("type").asText("");
        if ("content_block_delta".equals(type)) {
            return anthropicDelta(chunk);
        }
        if (type.startsWith("response.")) {
            return responsesDelta(chunk, type);
        }
        JsonNode choices = chunk.get("choices");
        if (!(choices instanceof ArrayNode arr) || arr.isEmpty()) {
            return List.of();
        }
        List<StreamText> out = new ArrayList<>(1);
        for (int i = 0; i < arr.size(); i++) {
            if (!(arr.get(i) instanceof ObjectNode choice)) {
                continue;
            }
            String idx = choice.path("index").asText(Integer.toString(i));
            if (choice.get("delta") instanceof ObjectNode delta) {
                string(delta, "content", s -> out.add(new StreamText(idx + "/content", s)));
                string(delta, "reasoning_content", s -> out.add(new StreamText(idx + "/reasoning", s)));
                JsonNode calls = delta.get("tool_calls");
                if (calls instanceof ArrayNode ca) {
                    for (int k = 0; k < ca.size(); k++) {
                        JsonNode call = ca.get(k);
                        String tool = call.path("index").asText(Integer.toString(k));
                        if (call.get("function") instanceof ObjectNode fn) {
                            string(fn, "arguments", s -> out.add(new StreamText(idx + "/tool/" + tool, s)));
                        }
                    }
                }
            }
            string(choice, "text", s -> out.add(new StreamText(idx + "/text", s)));
        }
        return out;
    }

    /**
     * A Responses API delta event ({@code response.output_text.delta} and the other
     * {@code *.delta} events carrying text): a channel per output item, content part and kind.
     */
    private static List<StreamText> responsesDelta(ObjectNode event, String type) {
        if (!type.endsWith(".delta") || !event.path("delta").isTextual()) {
            return List.of(); // audio deltas are base64, not text; summaries are checked apart
        }
        String channel = "responses/" + event.path("output_index").asText("0") + "/"
                + event.path("content_index").asText(event.path("summary_index").asText("0")) + "/"
                + type.substring("response.".length(), type.length() - ".delta".length());
        List<StreamText> out = new ArrayList<>(1);
        if (type.contains("audio")) {
            return List.of();
        }
        string(event, "delta", s -> out.add(new StreamText(channel, s)));
        return out;
    }

    private static List<StreamText> anthropicDelta(ObjectNode event) {
        if (!(event.get("delta") instanceof ObjectNode delta)) {
            return List.of();
        }
        String block = "anthropic/" + event.path("index").asText("0");
        List<StreamText> out = new ArrayList<>(1);
        switch (delta.path("type").asText("")) {
            case "text_delta" -> string(delta, "text", s -> out.add(new StreamText(block, s)));
            case "input_json_delta" -> string(delta, "partial_json", s -> out.add(new StreamText(block, s)));
            default -> {
                // thinking and signature deltas are signed; citations carry no new text
            }
        }
        return out;
    }

    /** A string, or an array of strings and content parts. */
    private static void content(ObjectNode holder, String field, List<TextSlot> out) {
        JsonNode v = holder.get(field);
        if (v == null) {
            return;
        }
        if (v.isTextual()) {
            out.add(new TextSlot.Field(holder, field));
        } else if (v instanceof ArrayNode parts) {
            for (int i = 0; i < parts.size(); i++) {
                JsonNode p = parts.get(i);
                if (p.isTextual()) {
                    out.add(new TextSlot.Element(parts, i));
                } else if (p instanceof ObjectNode part) {
                    String type = part.path("type").asText("");
                    if (type.equals("text") || type.equals("input_text") || type.equals("output_text")) {
                        string(part, "text", out::add);
                    } else if (type.equals("tool_result")) {
                        content(part, "content", out);
                    } else if (type.equals("tool_use")) {
                        strings(part.get("input"), out);
                    } else if (type.isEmpty() && part.path("text").isTextual()) {
                        string(part, "text", out::add); // a rerank document object
                    } else if ((type.isEmpty() || type.equals("message")) && part.has("content")) {
                        // a responses-API input item ({"role", "content"}) nested in "input"
                        content(part, "content", out);
                    }
                }
            }
        }
    }

    /** Every non-empty string inside a JSON value (an Anthropic {@code tool_use} block's {@code input}). */
    private static void strings(JsonNode v, List<TextSlot> out) {
        if (v instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                JsonNode c = o.get(n);
                if (c.isTextual()) {
                    string(o, n, out::add);
                } else {
                    strings(c, out);
                }
            }
        } else if (v instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    if (!a.get(i).asText().isEmpty()) {
                        out.add(new TextSlot.Element(a, i));
                    }
                } else {
                    strings(a.get(i), out);
                }
            }
        }
    }

    private static void toolCalls(JsonNode calls, Consumer<TextSlot.Field> out) {
        if (calls instanceof ArrayNode arr) {
            for (JsonNode call : arr) {
                if (call.get("function") instanceof ObjectNode fn) {
                    string(fn, "arguments", out);
                }
            }
        }
    }

    private static void string(ObjectNode holder, String field, Consumer<TextSlot.Field> out) {
        JsonNode v = holder.get(field);
        if (v != null && v.isTextual() && !v.asText().isEmpty()) {
            out.accept(new TextSlot.Field(holder, field));
        }
    }
}
