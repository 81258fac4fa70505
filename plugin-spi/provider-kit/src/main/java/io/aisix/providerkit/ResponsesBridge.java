package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import java.io.IOException;
import java.util.UUID;
import java.util.function.Function;

/**
 * The Responses API ({@code POST /v1/responses}) on a provider that has no Responses endpoint
 * (an OpenAI-compatible vendor, Anthropic, Gemini, Bedrock, Vertex AI), as AISIX serves it: the request is
 * translated into chat completions, sent through the adapter's own chat path, and the answer
 * translated back into the Responses shape, a {@code response} object or, for {@code stream:
 * true}, Responses events ({@link ResponsesEvents}).
 *
 * <p>Request: {@code instructions} → a system message; {@code input} (a string: one user message;
 * an array: {@code message} items with their role and content, {@code input_text} /
 * {@code output_text} → text parts, {@code input_image} → {@code image_url}, {@code input_file}
 * with {@code file_data} → {@code file}; {@code function_call} → an assistant's
 * {@code tool_calls}, consecutive ones in one turn; {@code function_call_output} → a {@code tool}
 * message; {@code reasoning} and {@code item_reference} items dropped); {@code max_output_tokens}
 * → {@code max_tokens}; {@code temperature}, {@code top_p}, {@code user},
 * {@code parallel_tool_calls} as they are; function {@code tools} and {@code tool_choice} into
 * their chat shape (hosted tools have none and are dropped); {@code text.format} →
 * {@code response_format}. Other Responses-only fields ({@code reasoning}, {@code store},
 * {@code previous_response_id}, ...) are dropped: the provider would refuse them.
 *
 * <p>Answer: one {@code message} item with the text ({@code output_text}), then a
 * {@code function_call} item per tool call; {@code status} {@code completed}, or
 * {@code incomplete} with {@code incomplete_details.reason} {@code max_output_tokens} /
 * {@code content_filter}; usage as {@code input_tokens} (with {@code input_tokens_details.cached_tokens}
 * and {@code cache_write_tokens}),
 * {@code output_tokens} (with {@code output_tokens_details.reasoning_tokens}), {@code total_tokens};
 * {@code model} the alias; the request's {@code instructions}, {@code temperature},
 * {@code top_p}, {@code tools}, {@code tool_choice}, {@code parallel_tool_calls},
 * {@code metadata} echoed as OpenAI does.
 */
public final class ResponsesBridge {
    private ResponsesBridge() {
    }

    /**
     * Serves {@code exchange} (a {@code /v1/responses} request) through {@code chat}, the adapter's
     * chat-completions call, which gets a view of the exchange as a chat request.
     */
    public static Response invoke(Exchange exchange, Function<Exchange, Response> chat) {
        ObjectNode request = exchange.json();
        Response answer = chat.apply(new ChatView(exchange, toChatRequest(request)));
        String alias = request.path("model").asText("");
        return switch (answer) {
            case Response.Streaming s -> new Response.Streaming(s.status(), s.headers(),
                    new ResponsesEvents(s.events(), exchange, alias, request));
            case Response.Full f -> full(f, exchange, alias, request);
            case Response.Binary b -> b;
        };
    }

    /** True for the endpoint this bridge serves. */
    public static boolean bridges(Endpoint endpoint) {
        return endpoint == Endpoint.RESPONSES;
    }

    private static Response full(Response.Full f, Exchange exchange, String alias, ObjectNode request) {
        if (f.status() / 100 != 2) {
            return f;
        }
        JsonNode completion;
        try {
            completion = ProviderJson.MAPPER.readTree(f.body());
        } catch (IOException e) {
            throw Upstreams.unreadable();
        }
        if (completion == null || !completion.path("choices").isArray()) {
            throw Upstreams.unreadable();
        }
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode response = skeleton(id(), System.currentTimeMillis() / 1000, alias, request);
        ArrayNode output = response.putArray("output");
        String text = text(message.get("content"));
        if (!text.isEmpty()) {
            output.add(messageItem("msg_" + uuid(), text, "completed"));
        }
        for (JsonNode call : message.path("tool_calls")) {
            output.add(functionCallItem("fc_" + uuid(), call.path("id").asText(""),
                    call.path("function").path("name").asText(""),
                    call.path("function").path("arguments").asText(""), "completed"));
        }
        finish(response, choice.path("finish_reason").asText(null),
                usage(UsageInfo.fromOpenAi(completion.get("usage")), exchange));
        return new Response.Full(f.status(), f.headers(), "application/json", ProviderJson.bytes(response));
    }

    // ---------------------------------------------------------------- request

    /** Translates a Responses request into a canonical chat-completions request. */
    public static ObjectNode toChatRequest(ObjectNode in) {
        ObjectNode out = ProviderJson.object();
        if (in.has("model")) {
            out.set("model", in.get("model"));
        }
        ArrayNode messages = out.putArray("messages");
        JsonNode instructions = in.get("instructions");
        if (instructions != null && instructions.isTextual() && !instructions.asText().isEmpty()) {
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        JsonNode input = in.get("input");
        if (input != null && input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else if (input instanceof ArrayNode items) {
            for (JsonNode item : items) {
                inputItem(item, messages);
            }
        }
        ProviderJson.copyNumber(in, "temperature", out, "temperature");
        ProviderJson.copyNumber(in, "top_p", out, "top_p");
        ProviderJson.copyNumber(in, in.has("max_output_tokens") ? "max_output_tokens" : "max_tokens", out, "max_tokens");
        if (in.path("user").isTextual()) {
            out.put("user", in.get("user").asText());
        }
        if (in.path("parallel_tool_calls").isBoolean()) {
            out.put("parallel_tool_calls", in.get("parallel_tool_calls").asBoolean());
        }
        if (in.path("stream").asBoolean(false)) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        ArrayNode tools = ProviderJson.MAPPER.createArrayNode();
        for (JsonNode t : in.path("tools")) {
            if ("function".equals(t.path("type").asText()) && t.path("name").isTextual()) {
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", t.get("name").asText());
                copy(t, fn, "description");
                copy(t, fn, "parameters");
                copy(t, fn, "strict");
            }
        }
        if (!tools.isEmpty()) {
            out.set("tools", tools);
        }
        JsonNode tc = in.get("tool_choice");
        if (tc != null && tc.isTextual()) {
            out.put("tool_choice", tc.asText());
        } else if (tc != null && "function".equals(tc.path("type").asText()) && tc.path("name").isTextual()) {
            out.putObject("tool_choice").put("type", "function").putObject("function").put("name", tc.get("name").asText());
        }
        JsonNode format = in.path("text").get("format");
        if (format != null && format.isObject()) {
            switch (format.path("type").asText("")) {
                case "json_object" -> out.putObject("response_format").put("type", "json_object");
                case "json_schema" -> {
                    ObjectNode rf = out.putObject("response_format").put("type", "json_schema");
                    ObjectNode js = rf.putObject("json_schema");
                    copy(format, js, "name");
                    copy(format, js, "description");
                    copy(format, js, "schema");
                    copy(format, js, "strict");
                }
                default -> {
                    // text: the chat default
                }
            }
        }
        return out;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v != null && !v.isNull()) {
            to.set(field, v);
        }
    }

    private static void inputItem(JsonNode item, ArrayNode messages) {
        if (item.isTextual()) {
            if (!item.asText().isEmpty()) {
                messages.addObject().put("role", "user").put("content", item.asText());
            }
            return;
        }
        switch (item.path("type").asText("message")) {
            case "function_call" -> {
                ObjectNode call = ProviderJson.object();
                call.put("id", item.path("call_id").asText(item.path("id").asText("")));
                call.put("type", "function");
                call.putObject("function").put("name", item.path("name").asText(""))
                        .put("arguments", item.path("arguments").asText(""));
                JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                if (last instanceof ObjectNode m && "assistant".equals(m.path("role").asText())
                        && m.get("tool_calls") instanceof ArrayNode calls && m.path("content").isNull()) {
                    calls.add(call);
                } else {
                    ObjectNode m = messages.addObject().put("role", "assistant");
                    m.putNull("content");
                    m.putArray("tool_calls").add(call);
                }
            }
            case "function_call_output" -> messages.addObject().put("role", "tool")
                    .put("tool_call_id", item.path("call_id").asText(""))
                    .put("content", item.path("output").isTextual() ? item.get("output").asText()
                            : text(item.get("output")));
            case "message" -> {
                String role = switch (item.path("role").asText("user")) {
                    case "assistant" -> "assistant";
                    case "system", "developer" -> "system";
                    default -> "user";
                };
                JsonNode content = item.get("content");
                if (content != null && content.isTextual()) {
                    if (!content.asText().isEmpty()) {
                        messages.addObject().put("role", role).put("content", content.asText());
                    }
                } else if (content instanceof ArrayNode parts) {
                    ArrayNode out = parts(parts);
                    if (!out.isEmpty()) {
                        messages.addObject().put("role", role).set("content", out);
                    }
                }
            }
            default -> {
                // reasoning and item_reference items cannot be replayed to another provider
            }
        }
    }

    private static ArrayNode parts(ArrayNode parts) {
        ArrayNode out = ProviderJson.MAPPER.createArrayNode();
        for (JsonNode p : parts) {
            switch (p.path("type").asText("")) {
                case "input_text", "output_text", "text" -> out.addObject().put("type", "text")
                        .put("text", p.path("text").asText(""));
                case "input_image" -> {
                    String url = p.path("image_url").asText("");
                    if (!url.isEmpty()) {
                        ObjectNode iu = out.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                        copy(p, iu, "detail");
                    }
                }
                case "input_file" -> {
                    if (p.path("file_data").isTextual()) {
                        ObjectNode f = out.addObject().put("type", "file").putObject("file");
                        f.put("file_data", p.get("file_data").asText());
                        copy(p, f, "filename");
                    }
                }
                default -> {
                    // refusals and hosted-file references have no chat equivalent
                }
            }
        }
        return out;
    }

    /** The text of chat or Responses content: a string, or the text of its parts joined. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) {
            if (p.path("text").isTextual()) {
                sb.append(p.get("text").asText());
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- answer

    static String uuid() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    static String id() {
        return "resp_" + uuid();
    }

    /** A {@code response} object without output, status or usage yet. */
    static ObjectNode skeleton(String id, long createdAt, String alias, ObjectNode request) {
        ObjectNode r = ProviderJson.object();
        r.put("id", id);
        r.put("object", "response");
        r.put("created_at", createdAt);
        r.put("status", "in_progress");
        r.putNull("error");
        r.putNull("incomplete_details");
        echo(request, r, "instructions");
        r.put("model", alias);
        r.putArray("output");
        r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        echo(request, r, "temperature");
        r.set("tool_choice", request.has("tool_choice") ? request.get("tool_choice")
                : ProviderJson.MAPPER.getNodeFactory().textNode("auto"));
        r.set("tools", request.path("tools").isArray() ? request.get("tools") : ProviderJson.MAPPER.createArrayNode());
        echo(request, r, "top_p");
        echo(request, r, "max_output_tokens");
        r.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : ProviderJson.object());
        return r;
    }

    private static void echo(ObjectNode request, ObjectNode r, String field) {
        JsonNode v = request.get(field);
        if (v == null) {
            r.putNull(field);
        } else {
            r.set(field, v);
        }
    }

    /** Sets {@code status} (and {@code incomplete_details}) from a chat finish reason, and the usage. */
    static void finish(ObjectNode response, String finishReason, ObjectNode usage) {
        String reason = finishReason == null ? "" : finishReason;
        switch (reason) {
            case "length" -> incomplete(response, "max_output_tokens");
            case "content_filter" -> incomplete(response, "content_filter");
            default -> response.put("status", "completed");
        }
        if (usage != null) {
            response.set("usage", usage);
        }
    }

    private static void incomplete(ObjectNode response, String why) {
        response.put("status", "incomplete");
        response.putObject("incomplete_details").put("reason", why);
    }

    /**
     * Responses usage from the chat answer's, with the prompt-cache writes the adapter published
     * ({@code cache_write_tokens}: the chat shape has no field for them).
     */
    static ObjectNode usage(UsageInfo u, Exchange exchange) {
        if (u == null) {
            return null;
        }
        long writes = exchange.attr(CoreAttrs.USAGE).map(Usage::cacheCreationTokens).orElse(u.cacheCreationTokens());
        ObjectNode n = ProviderJson.object();
        n.put("input_tokens", u.promptTokens());
        n.putObject("input_tokens_details").put("cached_tokens", u.cachedTokens()).put("cache_write_tokens", writes);
        n.put("output_tokens", u.completionTokens());
        n.putObject("output_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        n.put("total_tokens", u.totalTokens());
        return n;
    }

    static ObjectNode messageItem(String id, String text, String status) {
        ObjectNode item = ProviderJson.object();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (text != null) {
            content.add(outputText(text));
        }
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = ProviderJson.object();
        part.put("type", "output_text");
        part.put("text", text);
        part.putArray("annotations");
        return part;
    }

    static ObjectNode functionCallItem(String id, String callId, String name, String arguments, String status) {
        ObjectNode item = ProviderJson.object();
        item.put("id", id);
        item.put("type", "function_call");
        item.put("status", status);
        item.put("call_id", callId);
        item.put("name", name);
        item.put("arguments", arguments);
        return item;
    }
}
