package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.ProviderJson;
import io.aisix.spi.resource.Model;

/**
 * A model's {@code auto_prompt_caching} (AISIX's rule): a request that carries no
 * {@code cache_control} anywhere gets two breakpoints, on the last block of {@code system} (a
 * string system prompt becomes one text block) and on the last content block of the final
 * message, so a conversation's stable prefix is read from Anthropic's prompt cache on the next
 * turn. A request with markers of its own is left alone: the caller's strategy wins, and the
 * request stays within Anthropic's four breakpoints. An empty text block is never marked
 * (Anthropic refuses {@code cache_control} on one). {@code ttl: 5m} is the bare
 * {@code {"type":"ephemeral"}}; {@code 1h} adds {@code "ttl":"1h"}.
 */
final class PromptCaching {
    private PromptCaching() {
    }

    /** Adds the breakpoints to an Anthropic request (changed in place) when the model asks for them. */
    static void apply(ObjectNode request, Model model) {
        model.promptCaching().ifPresent(pc -> inject(request, pc.ttl()));
    }

    static void inject(ObjectNode request, String ttl) {
        if (hasCacheControl(request.get("system")) || hasCacheControl(request.get("messages"))
                || hasCacheControl(request.get("tools"))) {
            return;
        }
        ObjectNode marker = ProviderJson.object().put("type", "ephemeral");
        if (!ttl.equals("5m")) {
            marker.put("ttl", ttl);
        }
        JsonNode system = request.get("system");
        if (system != null && system.isTextual() && !system.asText().isBlank()) {
            ArrayNode blocks = request.putArray("system");
            blocks.addObject().put("type", "text").put("text", system.asText()).set("cache_control", marker.deepCopy());
        } else if (system instanceof ArrayNode blocks) {
            mark(blocks, marker);
        }
        JsonNode messages = request.get("messages");
        if (messages instanceof ArrayNode list && !list.isEmpty() && list.get(list.size() - 1) instanceof ObjectNode last) {
            JsonNode content = last.get("content");
            if (content != null && content.isTextual() && !content.asText().isBlank()) {
                ArrayNode blocks = last.putArray("content");
                blocks.addObject().put("type", "text").put("text", content.asText()).set("cache_control", marker);
            } else if (content instanceof ArrayNode blocks) {
                mark(blocks, marker);
            }
        }
    }

    private static void mark(ArrayNode blocks, ObjectNode marker) {
        if (!blocks.isEmpty() && blocks.get(blocks.size() - 1) instanceof ObjectNode block && !emptyText(block)) {
            block.set("cache_control", marker.deepCopy());
        }
    }

    private static boolean emptyText(ObjectNode block) {
        return "text".equals(block.path("type").asText()) && block.path("text").asText("").isBlank();
    }

    /** True when any object inside {@code node} has a {@code cache_control} field. */
    static boolean hasCacheControl(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("cache_control")) {
                return true;
            }
            for (JsonNode v : o) {
                if (v.isContainerNode() && hasCacheControl(v)) {
                    return true;
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (JsonNode v : a) {
                if (v.isContainerNode() && hasCacheControl(v)) {
                    return true;
                }
            }
        }
        return false;
    }
}
