package io.aisix.plugin.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.CompletionBuilder;
import io.aisix.providerkit.DataUrl;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UsageInfo;
import io.aisix.spi.error.GatewayException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Canonical chat completions ⇄ Bedrock's Converse API: the request one way, the answer (and the
 * stream's events, see {@link ConverseStream}) the other. The table is in README.md.
 */
final class ConverseTranslator {
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");
    private static final Set<String> DOCUMENT_FORMATS = Set.of("pdf", "csv", "doc", "docx", "xls", "xlsx", "html",
            "txt", "md");

    private ConverseTranslator() {
    }

    // ================================================================ request

    /** A Converse (or ConverseStream) body for a canonical chat request; the model is in the URL. */
    static ObjectNode toConverseRequest(ObjectNode chat) {
        ObjectNode out = ProviderJson.object();
        ArrayNode messages = out.putArray("messages");
        ArrayNode system = ProviderJson.MAPPER.createArrayNode();
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText("");
            JsonNode content = m.get("content");
            switch (role) {
                case "system", "developer" -> {
                    String text = text(content);
                    if (!text.isEmpty()) {
                        system.addObject().put("text", text);
                    }
                }
                case "user" -> append(messages, "user", blocks(content));
                case "assistant" -> {
                    ArrayNode blocks = blocks(content);
                    for (JsonNode c : m.path("tool_calls")) {
                        ObjectNode use = blocks.addObject().putObject("toolUse");
                        use.put("toolUseId", c.path("id").asText(""));
                        use.put("name", c.path("function").path("name").asText(""));
                        use.set("input", ProviderJson.parseObjectOrEmpty(c.path("function").path("arguments").asText("")));
                    }
                    append(messages, "assistant", blocks);
                }
                case "tool", "function" -> {
                    ArrayNode blocks = ProviderJson.MAPPER.createArrayNode();
                    ObjectNode result = blocks.addObject().putObject("toolResult");
                    result.put("toolUseId", m.path("tool_call_id").asText(""));
                    String text = text(content);
                    ObjectNode parsed = ProviderJson.parseObjectOrEmpty(text);
                    ArrayNode resultContent = result.putArray("content");
                    if (!parsed.isEmpty() || text.trim().equals("{}")) {
                        resultContent.addObject().set("json", parsed);
                    } else {
                        resultContent.addObject().put("text", text);
                    }
                    append(messages, "user", blocks);
                }
                default -> {
                    // no Converse equivalent
                }
            }
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        ObjectNode inference = ProviderJson.object();
        ProviderJson.copyNumber(chat, chat.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                inference, "maxTokens");
        ProviderJson.copyNumber(chat, "temperature", inference, "temperature");
        ProviderJson.copyNumber(chat, "top_p", inference, "topP");
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            inference.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            inference.set("stopSequences", stop);
        }
        if (!inference.isEmpty()) {
            out.set("inferenceConfig", inference);
        }
        ObjectNode tools = toolConfig(chat);
        if (tools != null) {
            out.set("toolConfig", tools);
        }
        return out;
    }

    /** {@code tools} → {@code toolConfig.tools[].toolSpec}; {@code tool_choice} → {@code toolChoice}. */
    private static ObjectNode toolConfig(ObjectNode chat) {
        JsonNode tools = chat.get("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            return null;
        }
        ObjectNode config = ProviderJson.object();
        ArrayNode specs = config.putArray("tools");
        for (JsonNode t : tools) {
            JsonNode fn = t.has("function") ? t.get("function") : t;
            if (!fn.path("name").isTextual()) {
                continue;
            }
            ObjectNode spec = specs.addObject().putObject("toolSpec");
            spec.put("name", fn.get("name").asText());
            if (fn.path("description").isTextual()) {
                spec.put("description", fn.get("description").asText());
            }
            JsonNode params = fn.get("parameters");
            spec.putObject("inputSchema").set("json", params != null && params.isObject() ? params
                    : ProviderJson.object().put("type", "object"));
        }
        JsonNode tc = chat.get("tool_choice");
        if (tc != null && tc.isTextual()) {
            switch (tc.asText().toLowerCase(Locale.ROOT)) {
                case "required", "any" -> config.putObject("toolChoice").putObject("any");
                case "auto" -> config.putObject("toolChoice").putObject("auto");
                default -> {
                    // none: Converse has no such choice; tools stay declared (they are required
                    // whenever the conversation holds tool blocks) and the model may still call one
                }
            }
        } else if (tc != null && tc.path("function").path("name").isTextual()) {
            config.putObject("toolChoice").putObject("tool").put("name", tc.at("/function/name").asText());
        }
        return config;
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) {
            if (p.has("text")) {
                sb.append(p.get("text").asText());
            }
        }
        return sb.toString();
    }

    /** OpenAI content (string or parts) → Converse content blocks. */
    private static ArrayNode blocks(JsonNode content) {
        ArrayNode out = ProviderJson.MAPPER.createArrayNode();
        if (content == null || content.isNull()) {
            return out;
        }
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) {
                out.addObject().put("text", content.asText());
            }
            return out;
        }
        int documents = 0;
        for (JsonNode p : content) {
            switch (p.path("type").asText("")) {
                case "text", "input_text" -> {
                    String t = p.path("text").asText("");
                    if (!t.isEmpty()) {
                        out.addObject().put("text", t);
                    }
                }
                case "image_url" -> {
                    JsonNode iu = p.get("image_url");
                    String url = iu == null ? "" : iu.isTextual() ? iu.asText() : iu.path("url").asText("");
                    DataUrl data = dataUrl(url, "image_url");
                    String format = data.mediaType().toLowerCase(Locale.ROOT).replace("image/", "").replace("jpg", "jpeg");
                    if (!IMAGE_FORMATS.contains(format)) {
                        throw GatewayException.invalidRequest("image type " + data.mediaType()
                                + " is not supported by Bedrock (png, jpeg, gif, webp)", "messages");
                    }
                    out.addObject().putObject("image").put("format", format).putObject("source")
                            .put("bytes", data.data());
                }
                case "file" -> {
                    DataUrl data = dataUrl(p.path("file").path("file_data").asText(""), "file.file_data");
                    String format = documentFormat(data.mediaType());
                    String name = p.path("file").path("filename").asText("document-" + ++documents);
                    out.addObject().putObject("document").put("format", format).put("name", documentName(name))
                            .putObject("source").put("bytes", data.data());
                }
                default -> {
                    // no Converse equivalent (input_audio, ...)
                }
            }
        }
        return out;
    }

    private static DataUrl dataUrl(String url, String field) {
        if (!url.startsWith("data:")) {
            throw GatewayException.invalidRequest(field + " must be a data: URL for Bedrock models (Converse takes"
                    + " inline bytes, not links)", "messages");
        }
        return DataUrl.parse(url);
    }

    private static String documentFormat(String mediaType) {
        String m = mediaType.toLowerCase(Locale.ROOT);
        String format = switch (m) {
            case "application/pdf" -> "pdf";
            case "text/csv" -> "csv";
            case "text/html" -> "html";
            case "text/plain" -> "txt";
            case "text/markdown" -> "md";
            case "application/msword" -> "doc";
            case "application/vnd.openxmlformats-officedocument.wordprocessingml.document" -> "docx";
            case "application/vnd.ms-excel" -> "xls";
            case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" -> "xlsx";
            default -> "";
        };
        if (!DOCUMENT_FORMATS.contains(format)) {
            throw GatewayException.invalidRequest("document type " + mediaType + " is not supported by Bedrock",
                    "messages");
        }
        return format;
    }

    /** Converse allows letters, digits, spaces, hyphens, parentheses and brackets in a document name. */
    private static String documentName(String name) {
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String clean = base.replaceAll("[^A-Za-z0-9 ()\\[\\]-]", "-");
        return clean.isBlank() ? "document" : clean;
    }

    /** Appends a turn, merging consecutive turns of one role (Converse wants them alternating). */
    private static void append(ArrayNode messages, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        if (!messages.isEmpty()) {
            ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
            if (role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("content")).addAll(blocks);
                return;
            }
        }
        ObjectNode m = messages.addObject();
        m.put("role", role);
        m.set("content", blocks);
    }

    // ================================================================ answer

    /** Converse {@code stopReason} → canonical {@code finish_reason}. */
    static String finishReason(String stopReason, boolean toolCalls) {
        if (stopReason == null) {
            return toolCalls ? "tool_calls" : "stop";
        }
        return switch (stopReason) {
            case "tool_use" -> "tool_calls";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> toolCalls ? "tool_calls" : "stop";
        };
    }

    /**
     * Converse {@code usage} → canonical: Bedrock's {@code inputTokens} leaves out prompt-cache
     * reads and writes, which OpenAI counts in {@code prompt_tokens}.
     */
    static UsageInfo usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        long cacheRead = u.path("cacheReadInputTokens").asLong(0);
        long cacheWrite = u.path("cacheWriteInputTokens").asLong(0);
        return new UsageInfo(u.path("inputTokens").asLong(0) + cacheRead + cacheWrite, u.path("outputTokens").asLong(0),
                cacheRead, 0);
    }

    /** A Converse answer → canonical {@code chat.completion}. */
    static ObjectNode toChatCompletion(JsonNode answer, String alias, long created) {
        CompletionBuilder turn = new CompletionBuilder();
        for (JsonNode b : answer.at("/output/message/content")) {
            if (b.has("text")) {
                turn.text(b.get("text").asText());
            } else if (b.has("toolUse")) {
                JsonNode use = b.get("toolUse");
                turn.toolCall(use.path("toolUseId").asText(newId("call_")), use.path("name").asText(""), use.get("input"));
            } else if (b.has("reasoningContent")) {
                turn.reasoning(b.at("/reasoningContent/reasoningText/text").asText(""));
            }
        }
        UsageInfo u = usage(answer.get("usage"));
        return turn.completion(newId("chatcmpl-"), created, alias,
                finishReason(answer.path("stopReason").asText(null), turn.hasToolCalls()),
                u == null ? UsageInfo.of(0, 0) : u);
    }

    static String newId(String prefix) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return prefix + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }
}
