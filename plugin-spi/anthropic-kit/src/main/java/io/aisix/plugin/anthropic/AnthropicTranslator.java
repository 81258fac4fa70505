package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.CompletionBuilder;
import io.aisix.providerkit.DataUrl;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UsageInfo;
import java.util.Locale;

/**
 * The two-way translation between the canonical OpenAI chat-completions shape and the Anthropic
 * Messages wire, in one place. The provider adapter uses one direction (canonical request →
 * Anthropic request, Anthropic answer → canonical answer); the {@code provider-anthropic:messages} ingress
 * filter uses the other (Anthropic request → canonical request, canonical answer → Anthropic
 * answer). The stream state machines are {@link AnthropicStreams}.
 *
 * <p>Mapping tables shared by both directions: {@link #finishReason} / {@link #stopReason},
 * content blocks ({@link #toAnthropicBlock} / {@link #toOpenAiPart}), tools and tool choice.
 */
public final class AnthropicTranslator {
    /** {@code max_tokens} is required by Anthropic; used when the caller set none. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    private AnthropicTranslator() {
    }

    // ================================================================ stop reasons

    /** Anthropic {@code stop_reason} → canonical {@code finish_reason}. */
    public static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** Canonical {@code finish_reason} → Anthropic {@code stop_reason}. */
    public static String stopReason(String finishReason) {
        if (finishReason == null) {
            return "end_turn";
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    // ================================================================ content blocks

    /** One OpenAI content part → one Anthropic content block, or null when it has no equivalent. */
    static ObjectNode toAnthropicBlock(JsonNode part) {
        String type = part.path("type").asText("");
        ObjectNode b = null;
        switch (type) {
            case "text", "input_text" -> {
                b = ProviderJson.object();
                b.put("type", "text");
                b.put("text", part.path("text").asText(""));
            }
            case "image_url" -> {
                JsonNode iu = part.get("image_url");
                String url = iu == null ? "" : iu.isTextual() ? iu.asText() : iu.path("url").asText("");
                b = ProviderJson.object();
                b.put("type", "image");
                b.set("source", source(url, "url"));
            }
            case "file" -> {
                String data = part.path("file").path("file_data").asText("");
                if (data.startsWith("data:")) {
                    b = ProviderJson.object();
                    b.put("type", "document");
                    b.set("source", source(data, "url"));
                }
            }
            default -> {
                return null;
            }
        }
        if (part.has("cache_control")) {
            b.set("cache_control", part.get("cache_control"));
        }
        return b;
    }

    /** An Anthropic {@code source} for a URL: base64 for {@code data:} URLs, else {@code url}. */
    private static ObjectNode source(String url, String urlType) {
        ObjectNode s = ProviderJson.object();
        if (url.startsWith("data:")) {
            DataUrl data = DataUrl.parse(url);
            s.put("type", "base64");
            s.put("media_type", data.mediaType());
            s.put("data", data.data());
        } else {
            s.put("type", urlType);
            s.put("url", url);
        }
        return s;
    }

    /** One Anthropic content block → one OpenAI content part, or null when it has no equivalent. */
    static ObjectNode toOpenAiPart(JsonNode block) {
        String type = block.path("type").asText("");
        ObjectNode p = null;
        switch (type) {
            case "text" -> {
                p = ProviderJson.object();
                p.put("type", "text");
                p.put("text", block.path("text").asText(""));
            }
            case "image", "document" -> {
                JsonNode src = block.path("source");
                String url = switch (src.path("type").asText("")) {
                    case "base64" -> "data:" + src.path("media_type").asText("application/octet-stream") + ";base64,"
                            + src.path("data").asText("");
                    case "url" -> src.path("url").asText("");
                    default -> null;
                };
                if (url == null) {
                    return null;
                }
                p = ProviderJson.object();
                if (type.equals("image")) {
                    p.put("type", "image_url");
                    p.putObject("image_url").put("url", url);
                } else if (url.startsWith("data:")) {
                    p.put("type", "file");
                    p.putObject("file").put("file_data", url);
                } else {
                    return null;
                }
            }
            default -> {
                return null;
            }
        }
        if (block.has("cache_control")) {
            p.set("cache_control", block.get("cache_control"));
        }
        return p;
    }

    /** The text of OpenAI content (a string, or the text parts of an array joined). */
    static String openAiText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) {
            if (p.path("type").asText("").endsWith("text") && p.has("text")) {
                sb.append(p.get("text").asText());
            }
        }
        return sb.toString();
    }

    /** The text of Anthropic content (a string, or the text blocks of an array joined). */
    static String anthropicText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode b : content) {
            if ("text".equals(b.path("type").asText())) {
                sb.append(b.path("text").asText());
            }
        }
        return sb.toString();
    }

    // ================================================================ canonical request → Anthropic request

    /** Translates a canonical chat-completions request into an Anthropic Messages request. */
    public static ObjectNode toAnthropicRequest(ObjectNode chat, String upstreamModel) {
        ObjectNode out = ProviderJson.object();
        out.put("model", upstreamModel);

        ArrayNode system = ProviderJson.MAPPER.createArrayNode();
        boolean systemBlocks = false;
        ArrayNode messages = ProviderJson.MAPPER.createArrayNode();
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText("");
            JsonNode content = m.get("content");
            switch (role) {
                case "system", "developer" -> {
                    if (content != null && content.isArray()) {
                        systemBlocks = true;
                        for (JsonNode p : content) {
                            ObjectNode b = toAnthropicBlock(p);
                            if (b != null && "text".equals(b.path("type").asText())) {
                                system.add(b);
                            }
                        }
                    } else if (content != null && content.isTextual()) {
                        system.add(ProviderJson.object().put("type", "text").put("text", content.asText()));
                    }
                }
                case "user" -> append(messages, "user", userContent(content));
                case "assistant" -> append(messages, "assistant", assistantContent(m));
                case "tool", "function" -> {
                    ObjectNode r = ProviderJson.object();
                    r.put("type", "tool_result");
                    r.put("tool_use_id", m.path("tool_call_id").asText(m.path("name").asText("")));
                    if (content != null && content.isArray()) {
                        ArrayNode blocks = r.putArray("content");
                        for (JsonNode p : content) {
                            ObjectNode b = toAnthropicBlock(p);
                            if (b != null) {
                                blocks.add(b);
                            }
                        }
                    } else {
                        r.put("content", openAiText(content));
                    }
                    append(messages, "user", ProviderJson.MAPPER.createArrayNode().add(r));
                }
                default -> {
                    // unknown roles have no Anthropic equivalent
                }
            }
        }
        if (!system.isEmpty()) {
            if (systemBlocks) {
                out.set("system", system);
            } else {
                StringBuilder sb = new StringBuilder();
                for (JsonNode b : system) {
                    if (!sb.isEmpty()) {
                        sb.append("\n\n");
                    }
                    sb.append(b.path("text").asText());
                }
                out.put("system", sb.toString());
            }
        }
        out.set("messages", messages);

        JsonNode maxTokens = chat.has("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
        out.put("max_tokens", maxTokens != null && maxTokens.canConvertToInt() && maxTokens.intValue() > 0
                ? maxTokens.intValue() : DEFAULT_MAX_TOKENS);
        ProviderJson.copyNumber(chat, "temperature", out, "temperature");
        ProviderJson.copyNumber(chat, "top_p", out, "top_p");
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            out.set("stop_sequences", stop);
        }
        if (chat.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }

        JsonNode tools = chat.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode at = out.putArray("tools");
            for (JsonNode t : tools) {
                JsonNode fn = t.has("function") ? t.get("function") : t;
                if (!fn.has("name")) {
                    continue;
                }
                ObjectNode a = at.addObject();
                a.put("name", fn.get("name").asText());
                if (fn.path("description").isTextual()) {
                    a.put("description", fn.get("description").asText());
                }
                JsonNode params = fn.get("parameters");
                if (params != null && params.isObject()) {
                    a.set("input_schema", params);
                } else {
                    a.putObject("input_schema").put("type", "object").putObject("properties");
                }
                if (t.has("cache_control")) {
                    a.set("cache_control", t.get("cache_control"));
                }
            }
        }
        ObjectNode choice = toolChoiceToAnthropic(chat.get("tool_choice"));
        if (chat.path("parallel_tool_calls").isBoolean() && !chat.get("parallel_tool_calls").asBoolean()) {
            if (choice == null) {
                choice = ProviderJson.object().put("type", "auto");
            }
            if (!"none".equals(choice.path("type").asText())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (choice != null && out.has("tools")) {
            out.set("tool_choice", choice);
        }
        if (chat.path("user").isTextual()) {
            out.putObject("metadata").put("user_id", chat.get("user").asText());
        }
        return out;
    }

    private static ObjectNode toolChoiceToAnthropic(JsonNode tc) {
        if (tc == null || tc.isNull()) {
            return null;
        }
        if (tc.isTextual()) {
            return switch (tc.asText().toLowerCase(Locale.ROOT)) {
                case "none" -> ProviderJson.object().put("type", "none");
                case "required", "any" -> ProviderJson.object().put("type", "any");
                default -> ProviderJson.object().put("type", "auto");
            };
        }
        String name = tc.path("function").path("name").asText(tc.path("name").asText(""));
        if (!name.isEmpty()) {
            return ProviderJson.object().put("type", "tool").put("name", name);
        }
        return ProviderJson.object().put("type", "auto");
    }

    private static JsonNode userContent(JsonNode content) {
        if (content == null || content.isNull()) {
            return ProviderJson.MAPPER.getNodeFactory().textNode("");
        }
        if (!content.isArray()) {
            return content;
        }
        ArrayNode blocks = ProviderJson.MAPPER.createArrayNode();
        for (JsonNode p : content) {
            ObjectNode b = toAnthropicBlock(p);
            if (b != null) {
                blocks.add(b);
            }
        }
        return blocks;
    }

    private static JsonNode assistantContent(JsonNode m) {
        JsonNode content = m.get("content");
        JsonNode calls = m.get("tool_calls");
        boolean hasCalls = calls != null && calls.isArray() && !calls.isEmpty();
        if (!hasCalls && content != null && content.isTextual()) {
            return content;
        }
        ArrayNode blocks = ProviderJson.MAPPER.createArrayNode();
        if (content != null && content.isArray()) {
            for (JsonNode p : content) {
                ObjectNode b = toAnthropicBlock(p);
                if (b != null && !(b.path("type").asText().equals("text") && b.path("text").asText().isEmpty())) {
                    blocks.add(b);
                }
            }
        } else {
            String text = openAiText(content);
            if (!text.isEmpty()) {
                blocks.addObject().put("type", "text").put("text", text);
            }
        }
        if (hasCalls) {
            for (JsonNode c : calls) {
                ObjectNode b = blocks.addObject();
                b.put("type", "tool_use");
                b.put("id", c.path("id").asText(""));
                b.put("name", c.path("function").path("name").asText(""));
                b.set("input", ProviderJson.parseObjectOrEmpty(c.path("function").path("arguments").asText("")));
            }
        }
        return blocks;
    }

    /** Appends a turn, merging it into the previous one when the role repeats. */
    private static void append(ArrayNode messages, String role, JsonNode content) {
        if (!messages.isEmpty()) {
            ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
            if (role.equals(last.path("role").asText())) {
                ArrayNode merged = asBlocks(last.get("content"));
                merged.addAll(asBlocks(content));
                last.set("content", merged);
                return;
            }
        }
        ObjectNode m = messages.addObject();
        m.put("role", role);
        m.set("content", content);
    }

    private static ArrayNode asBlocks(JsonNode content) {
        if (content != null && content.isArray()) {
            return ((ArrayNode) content).deepCopy();
        }
        ArrayNode a = ProviderJson.MAPPER.createArrayNode();
        String text = content == null ? "" : content.asText("");
        if (!text.isEmpty()) {
            a.addObject().put("type", "text").put("text", text);
        }
        return a;
    }

    // ================================================================ Anthropic answer → canonical answer

    /** Translates an Anthropic {@code message} answer into a canonical {@code chat.completion}. */
    public static ObjectNode toChatCompletion(JsonNode msg, String alias, long created) {
        CompletionBuilder turn = new CompletionBuilder();
        for (JsonNode b : msg.path("content")) {
            switch (b.path("type").asText("")) {
                case "text" -> turn.text(b.path("text").asText(""));
                case "thinking" -> turn.reasoning(b.path("thinking").asText(""));
                case "tool_use" -> turn.toolCall(b.path("id").asText(""), b.path("name").asText(""), b.get("input"));
                default -> {
                    // server tool blocks, redacted thinking: no canonical equivalent
                }
            }
        }
        return turn.completion(msg.path("id").asText(""), created, alias,
                finishReason(msg.path("stop_reason").asText(null)), AnthropicUsage.of(msg.path("usage")));
    }

    // ================================================================ Anthropic request → canonical request

    /**
     * The request with every {@code system} turn of {@code messages[]} moved into the top-level
     * {@code system}, in order after what is already there: joined with blank lines while all of
     * it is text, else as text blocks (a turn's blocks keep their {@code cache_control}). The
     * request itself when there is no such turn (a copy otherwise; {@code in} is not changed).
     */
    public static ObjectNode foldSystemTurns(ObjectNode in) {
        JsonNode messages = in.get("messages");
        boolean any = false;
        if (messages instanceof ArrayNode list) {
            for (JsonNode m : list) {
                any |= "system".equals(m.path("role").asText());
            }
        }
        if (!any) {
            return in;
        }
        ObjectNode out = in.deepCopy();
        ArrayNode kept = ProviderJson.MAPPER.createArrayNode();
        java.util.List<JsonNode> parts = new java.util.ArrayList<>();
        JsonNode system = out.get("system");
        if (system != null && !system.isNull()) {
            parts.add(system);
        }
        for (JsonNode m : out.get("messages")) {
            if ("system".equals(m.path("role").asText())) {
                JsonNode c = m.get("content");
                if (c != null && !c.isNull()) {
                    parts.add(c);
                }
            } else {
                kept.add(m);
            }
        }
        out.set("messages", kept);
        boolean allText = parts.stream().allMatch(JsonNode::isTextual);
        if (allText) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : parts) {
                if (!p.asText().isEmpty()) {
                    sb.append(sb.isEmpty() ? "" : "\n\n").append(p.asText());
                }
            }
            out.put("system", sb.toString());
        } else {
            ArrayNode blocks = out.putArray("system");
            for (JsonNode p : parts) {
                if (p.isTextual()) {
                    if (!p.asText().isEmpty()) {
                        blocks.addObject().put("type", "text").put("text", p.asText());
                    }
                } else if (p.isArray()) {
                    p.forEach(blocks::add);
                }
            }
        }
        return out;
    }

    /** Translates an inbound Anthropic Messages request into the canonical chat-completions shape. */
    public static ObjectNode toChatRequest(ObjectNode in) {
        ObjectNode out = ProviderJson.object();
        if (in.has("model")) {
            out.set("model", in.get("model"));
        }
        ArrayNode messages = out.putArray("messages");
        JsonNode system = in.get("system");
        if (system != null && system.isTextual() && !system.asText().isEmpty()) {
            messages.addObject().put("role", "system").put("content", system.asText());
        } else if (system != null && system.isArray() && !system.isEmpty()) {
            ArrayNode parts = ProviderJson.MAPPER.createArrayNode();
            for (JsonNode b : system) {
                ObjectNode p = toOpenAiPart(b);
                if (p != null) {
                    parts.add(p);
                }
            }
            messages.addObject().put("role", "system").set("content", parts);
        }
        for (JsonNode m : in.path("messages")) {
            String role = m.path("role").asText("");
            JsonNode content = m.get("content");
            if (role.equals("assistant")) {
                messages.add(assistantToOpenAi(content));
            } else {
                userToOpenAi(content, messages);
            }
        }
        ProviderJson.copyNumber(in, "max_tokens", out, "max_tokens");
        ProviderJson.copyNumber(in, "temperature", out, "temperature");
        ProviderJson.copyNumber(in, "top_p", out, "top_p");
        JsonNode stops = in.get("stop_sequences");
        if (stops != null && stops.isArray() && !stops.isEmpty()) {
            out.set("stop", stops);
        }
        if (in.path("stream").asBoolean(false)) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        JsonNode tools = in.get("tools");
        if (tools != null && tools.isArray()) {
            ArrayNode ot = ProviderJson.MAPPER.createArrayNode();
            for (JsonNode t : tools) {
                String type = t.path("type").asText("custom");
                if (!type.equals("custom") || !t.has("name")) {
                    continue; // server tools (web search, bash, ...) have no canonical equivalent
                }
                ObjectNode fn = ot.addObject().put("type", "function").putObject("function");
                fn.put("name", t.get("name").asText());
                if (t.path("description").isTextual()) {
                    fn.put("description", t.get("description").asText());
                }
                fn.set("parameters", t.has("input_schema") ? t.get("input_schema")
                        : ProviderJson.object().put("type", "object"));
            }
            if (!ot.isEmpty()) {
                out.set("tools", ot);
            }
        }
        JsonNode tc = in.get("tool_choice");
        if (tc != null && tc.isObject()) {
            switch (tc.path("type").asText("auto")) {
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", tc.path("name").asText(""));
                default -> out.put("tool_choice", "auto");
            }
            if (tc.path("disable_parallel_tool_use").asBoolean(false)) {
                out.put("parallel_tool_calls", false);
            }
        }
        if (in.path("metadata").path("user_id").isTextual()) {
            out.put("user", in.get("metadata").get("user_id").asText());
        }
        return out;
    }

    private static ObjectNode assistantToOpenAi(JsonNode content) {
        if (content == null || content.isTextual()) {
            ObjectNode m = ProviderJson.object();
            m.put("role", "assistant");
            m.put("content", content == null ? "" : content.asText());
            return m;
        }
        CompletionBuilder turn = new CompletionBuilder();
        for (JsonNode b : content) {
            switch (b.path("type").asText("")) {
                case "text" -> turn.text(b.path("text").asText(""));
                case "tool_use" -> turn.toolCall(b.path("id").asText(""), b.path("name").asText(""), b.get("input"));
                default -> {
                    // thinking and server blocks are dropped
                }
            }
        }
        return turn.message();
    }

    /** A user turn: tool results first (each its own {@code tool} message), then the rest as parts. */
    private static void userToOpenAi(JsonNode content, ArrayNode messages) {
        if (content == null || content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content == null ? "" : content.asText());
            return;
        }
        ArrayNode parts = ProviderJson.MAPPER.createArrayNode();
        for (JsonNode b : content) {
            if ("tool_result".equals(b.path("type").asText())) {
                ObjectNode t = messages.addObject();
                t.put("role", "tool");
                t.put("tool_call_id", b.path("tool_use_id").asText(""));
                JsonNode c = b.get("content");
                String text = anthropicText(c);
                if (b.path("is_error").asBoolean(false) && !text.startsWith("Error")) {
                    text = "Error: " + text;
                }
                t.put("content", text);
            } else {
                ObjectNode p = toOpenAiPart(b);
                if (p != null) {
                    parts.add(p);
                }
            }
        }
        if (!parts.isEmpty()) {
            if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text") && !parts.get(0).has("cache_control")) {
                messages.addObject().put("role", "user").put("content", parts.get(0).path("text").asText());
            } else {
                messages.addObject().put("role", "user").set("content", parts);
            }
        }
    }

    // ================================================================ canonical answer → Anthropic answer

    /** Canonical usage → Anthropic usage (input excludes cache reads, as Anthropic counts them). */
    static ObjectNode anthropicUsage(UsageInfo u) {
        ObjectNode n = ProviderJson.object();
        long cached = u == null ? 0 : u.cachedTokens();
        n.put("input_tokens", u == null ? 0 : Math.max(0, u.promptTokens() - cached));
        n.put("cache_creation_input_tokens", 0);
        n.put("cache_read_input_tokens", cached);
        n.put("output_tokens", u == null ? 0 : u.completionTokens());
        return n;
    }

    /** An Anthropic message id for a canonical completion id. */
    static String messageId(String id) {
        if (id == null || id.isEmpty()) {
            return "msg_aisix";
        }
        return id.startsWith("msg_") ? id : "msg_" + id;
    }

    /**
     * Translates a canonical {@code chat.completion} answer into an Anthropic {@code message}:
     * {@code reasoning_content} becomes a leading {@code thinking} block (empty {@code signature}),
     * then the text and a {@code tool_use} block per tool call.
     */
    public static ObjectNode toAnthropicMessage(JsonNode completion) {
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode out = ProviderJson.object();
        out.put("id", messageId(completion.path("id").asText("")));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", completion.path("model").asText(""));
        ArrayNode content = out.putArray("content");
        String text = openAiText(message.get("content"));
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode c : message.path("tool_calls")) {
            ObjectNode b = content.addObject();
            b.put("type", "tool_use");
            b.put("id", c.path("id").asText(""));
            b.put("name", c.path("function").path("name").asText(""));
            b.set("input", ProviderJson.parseObjectOrEmpty(c.path("function").path("arguments").asText("")));
        }
        if (content.isEmpty()) {
            content.addObject().put("type", "text").put("text", "");
        }
        String reasoning = message.path("reasoning_content").asText("");
        if (!reasoning.isEmpty()) {
            // no signature: nothing signed reasoning that did not come from Anthropic
            content.insert(0, ProviderJson.object().put("type", "thinking").put("thinking", reasoning)
                    .put("signature", ""));
        }
        out.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
        out.putNull("stop_sequence");
        out.set("usage", anthropicUsage(UsageInfo.fromOpenAi(completion.get("usage"))));
        return out;
    }
}
