package io.aisix.geminikit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.CompletionBuilder;
import io.aisix.providerkit.DataUrl;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UsageInfo;
import io.aisix.providerkit.Upstreams;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Canonical chat completions ⇄ Gemini {@code generateContent}: the request one way, the answer
 * (and each streamed {@code GenerateContentResponse}, see {@link GeminiStream}) the other. The
 * same wire serves Google AI Studio and Vertex AI's {@code publishers/google} models. The table
 * is in provider-gemini's README.md.
 */
public final class GeminiTranslator {
    /** Schema keywords Gemini's OpenAPI-subset {@code Schema} accepts; others are removed. */
    private static final Set<String> SCHEMA_KEYS = Set.of("type", "format", "title", "description", "nullable", "enum",
            "maxItems", "minItems", "properties", "required", "minProperties", "maxProperties", "minLength",
            "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum");

    private GeminiTranslator() {
    }

    // ================================================================ finish reasons

    /** Gemini {@code finishReason} → canonical {@code finish_reason}. */
    public static String finishReason(String reason, boolean toolCalls) {
        if (toolCalls) {
            return "tool_calls";
        }
        if (reason == null) {
            return "stop";
        }
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
                    "content_filter";
            default -> "stop"; // STOP, FINISH_REASON_UNSPECIFIED, MALFORMED_FUNCTION_CALL, OTHER
        };
    }

    // ================================================================ request

    /** Translates a canonical chat-completions request into a Gemini {@code generateContent} body. */
    public static ObjectNode toGeminiRequest(ObjectNode chat) {
        ObjectNode out = ProviderJson.object();
        ArrayNode contents = out.putArray("contents");
        ArrayNode systemParts = ProviderJson.MAPPER.createArrayNode();
        Map<String, String> toolNames = new HashMap<>();
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText("");
            JsonNode content = m.get("content");
            switch (role) {
                case "system", "developer" -> addParts(systemParts, content);
                case "user" -> {
                    ArrayNode parts = ProviderJson.MAPPER.createArrayNode();
                    addParts(parts, content);
                    append(contents, "user", parts);
                }
                case "assistant" -> {
                    ArrayNode parts = ProviderJson.MAPPER.createArrayNode();
                    addParts(parts, content);
                    for (JsonNode c : m.path("tool_calls")) {
                        String name = c.path("function").path("name").asText("");
                        toolNames.put(c.path("id").asText(""), name);
                        ObjectNode fc = parts.addObject().putObject("functionCall");
                        fc.put("name", name);
                        fc.set("args", ProviderJson.parseObjectOrEmpty(c.path("function").path("arguments").asText("")));
                    }
                    append(contents, "model", parts);
                }
                case "tool", "function" -> {
                    String id = m.path("tool_call_id").asText("");
                    String name = toolNames.getOrDefault(id, m.path("name").asText(id));
                    String text = text(content);
                    ObjectNode parsed = ProviderJson.parseObjectOrEmpty(text);
                    ObjectNode response = parsed.isEmpty() && !text.trim().equals("{}")
                            ? ProviderJson.object().put("content", text) : parsed;
                    ArrayNode parts = ProviderJson.MAPPER.createArrayNode();
                    ObjectNode fr = parts.addObject().putObject("functionResponse");
                    fr.put("name", name);
                    fr.set("response", response);
                    append(contents, "user", parts);
                }
                default -> {
                    // no Gemini equivalent
                }
            }
        }
        if (!systemParts.isEmpty()) {
            out.putObject("systemInstruction").set("parts", systemParts);
        }

        ObjectNode gen = ProviderJson.object();
        ProviderJson.copyNumber(chat, "temperature", gen, "temperature");
        ProviderJson.copyNumber(chat, "top_p", gen, "topP");
        ProviderJson.copyNumber(chat, "top_k", gen, "topK");
        ProviderJson.copyNumber(chat, chat.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", gen,
                "maxOutputTokens");
        ProviderJson.copyNumber(chat, "n", gen, "candidateCount");
        ProviderJson.copyNumber(chat, "presence_penalty", gen, "presencePenalty");
        ProviderJson.copyNumber(chat, "frequency_penalty", gen, "frequencyPenalty");
        ProviderJson.copyNumber(chat, "seed", gen, "seed");
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            gen.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            gen.set("stopSequences", stop);
        }
        JsonNode rf = chat.get("response_format");
        if (rf != null && rf.isObject()) {
            switch (rf.path("type").asText("")) {
                case "json_object" -> gen.put("responseMimeType", "application/json");
                case "json_schema" -> {
                    gen.put("responseMimeType", "application/json");
                    JsonNode schema = rf.path("json_schema").get("schema");
                    if (schema != null && schema.isObject()) {
                        gen.set("responseSchema", cleanSchema(schema));
                    }
                }
                default -> {
                    // text: the default
                }
            }
        }
        if (!gen.isEmpty()) {
            out.set("generationConfig", gen);
        }

        JsonNode tools = chat.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode decls = ProviderJson.MAPPER.createArrayNode();
            for (JsonNode t : tools) {
                JsonNode fn = t.has("function") ? t.get("function") : t;
                if (!fn.has("name")) {
                    continue;
                }
                ObjectNode d = decls.addObject();
                d.put("name", fn.get("name").asText());
                if (fn.path("description").isTextual()) {
                    d.put("description", fn.get("description").asText());
                }
                JsonNode params = fn.get("parameters");
                if (params != null && params.isObject() && !params.path("properties").isEmpty()) {
                    d.set("parameters", cleanSchema(params));
                }
            }
            if (!decls.isEmpty()) {
                out.putArray("tools").addObject().set("functionDeclarations", decls);
            }
        }
        ObjectNode toolConfig = toolConfig(chat.get("tool_choice"));
        if (toolConfig != null && out.has("tools")) {
            out.set("toolConfig", toolConfig);
        }
        return out;
    }

    private static ObjectNode toolConfig(JsonNode tc) {
        if (tc == null || tc.isNull()) {
            return null;
        }
        ObjectNode cfg = ProviderJson.object();
        ObjectNode fcc = cfg.putObject("functionCallingConfig");
        if (tc.isTextual()) {
            fcc.put("mode", switch (tc.asText().toLowerCase(Locale.ROOT)) {
                case "none" -> "NONE";
                case "required", "any" -> "ANY";
                default -> "AUTO";
            });
        } else {
            String name = tc.path("function").path("name").asText("");
            fcc.put("mode", name.isEmpty() ? "AUTO" : "ANY");
            if (!name.isEmpty()) {
                fcc.putArray("allowedFunctionNames").add(name);
            }
        }
        return cfg;
    }

    /** Keeps the schema keywords Gemini understands, recursively; {@code type: [t, "null"]} becomes nullable. */
    static ObjectNode cleanSchema(JsonNode schema) {
        ObjectNode out = ProviderJson.object();
        schema.properties().forEach(e -> {
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (!SCHEMA_KEYS.contains(k)) {
                return;
            }
            switch (k) {
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    v.properties().forEach(p -> props.set(p.getKey(),
                            p.getValue().isObject() ? cleanSchema(p.getValue()) : p.getValue()));
                }
                case "items" -> out.set("items", v.isObject() ? cleanSchema(v) : v);
                case "anyOf" -> {
                    ArrayNode any = out.putArray("anyOf");
                    for (JsonNode s : v) {
                        any.add(s.isObject() ? cleanSchema(s) : s);
                    }
                }
                case "type" -> {
                    if (v.isArray()) {
                        String type = null;
                        for (JsonNode t : v) {
                            if (t.asText().equals("null")) {
                                out.put("nullable", true);
                            } else if (type == null) {
                                type = t.asText();
                            }
                        }
                        if (type != null) {
                            out.put("type", type);
                        }
                    } else {
                        out.set("type", v);
                    }
                }
                default -> out.set(k, v);
            }
        });
        return out;
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

    /** OpenAI content (string or parts) → Gemini parts. */
    private static void addParts(ArrayNode parts, JsonNode content) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) {
                parts.addObject().put("text", content.asText());
            }
            return;
        }
        for (JsonNode p : content) {
            switch (p.path("type").asText("")) {
                case "text", "input_text" -> parts.addObject().put("text", p.path("text").asText(""));
                case "image_url" -> {
                    JsonNode iu = p.get("image_url");
                    addMedia(parts, iu == null ? "" : iu.isTextual() ? iu.asText() : iu.path("url").asText(""));
                }
                case "file" -> addMedia(parts, p.path("file").path("file_data").asText(""));
                case "input_audio" -> {
                    String format = p.path("input_audio").path("format").asText("wav");
                    parts.addObject().putObject("inlineData").put("mimeType", "audio/" + format)
                            .put("data", p.path("input_audio").path("data").asText(""));
                }
                default -> {
                    // no Gemini equivalent
                }
            }
        }
    }

    private static void addMedia(ArrayNode parts, String url) {
        if (url.isEmpty()) {
            return;
        }
        if (url.startsWith("data:")) {
            DataUrl data = DataUrl.parse(url);
            parts.addObject().putObject("inlineData").put("mimeType", data.mediaType()).put("data", data.data());
        } else {
            parts.addObject().putObject("fileData").put("mimeType", mimeFromUrl(url)).put("fileUri", url);
        }
    }

    static String mimeFromUrl(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        int q = u.indexOf('?');
        if (q >= 0) {
            u = u.substring(0, q);
        }
        if (u.endsWith(".png")) {
            return "image/png";
        }
        if (u.endsWith(".gif")) {
            return "image/gif";
        }
        if (u.endsWith(".webp")) {
            return "image/webp";
        }
        if (u.endsWith(".pdf")) {
            return "application/pdf";
        }
        return "image/jpeg";
    }

    /** Appends a turn, merging consecutive turns of the same role. */
    private static void append(ArrayNode contents, String role, ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        if (!contents.isEmpty()) {
            ObjectNode last = (ObjectNode) contents.get(contents.size() - 1);
            if (role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("parts")).addAll(parts);
                return;
            }
        }
        ObjectNode c = contents.addObject();
        c.put("role", role);
        c.set("parts", parts);
    }

    // ================================================================ answer

    /** Gemini {@code usageMetadata} → canonical usage (thinking tokens count as completion tokens). */
    public static UsageInfo usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        long thoughts = u.path("thoughtsTokenCount").asLong(0);
        return new UsageInfo(u.path("promptTokenCount").asLong(0), u.path("candidatesTokenCount").asLong(0) + thoughts,
                u.path("cachedContentTokenCount").asLong(0), thoughts);
    }

    public static String newCallId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "call_" + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Integer.toHexString(r.nextInt() | 0x10000000);
    }

    public static String newCompletionId() {
        return "chatcmpl-" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    /**
     * Translates a {@code GenerateContentResponse} into a canonical {@code chat.completion}; an
     * answer with neither {@code candidates} nor {@code promptFeedback} is unreadable.
     */
    public static ObjectNode toChatCompletion(JsonNode resp, String alias, long created) {
        if (!resp.has("candidates") && !resp.has("promptFeedback")) {
            throw Upstreams.unreadable();
        }
        JsonNode cand = resp.path("candidates").path(0);
        CompletionBuilder turn = new CompletionBuilder();
        for (JsonNode p : cand.path("content").path("parts")) {
            if (p.has("functionCall")) {
                JsonNode fc = p.get("functionCall");
                turn.toolCall(fc.path("id").asText(newCallId()), fc.path("name").asText(""), fc.get("args"));
            } else if (p.has("text")) {
                String text = p.get("text").asText();
                if (p.path("thought").asBoolean(false)) {
                    turn.reasoning(text);
                } else {
                    turn.text(text);
                }
            }
        }
        String finish;
        if (cand.isMissingNode()) {
            // the prompt itself was blocked (promptFeedback.blockReason)
            finish = resp.path("promptFeedback").has("blockReason") ? "content_filter" : "stop";
        } else {
            finish = finishReason(cand.path("finishReason").asText(null), turn.hasToolCalls());
        }
        UsageInfo u = usage(resp.get("usageMetadata"));
        return turn.completion(resp.path("responseId").asText(newCompletionId()), created, alias, finish,
                u == null ? UsageInfo.of(0, 0) : u);
    }
}
