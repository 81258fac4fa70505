package io.aisix.plugin.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.aisix.spi.Exchange;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.TextGuard;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Guardrails on {@code tools/call}: the text of the arguments (every string value, at any depth)
 * goes through the caller's input guardrails before the upstream is called, and the text of the
 * result ({@code content[]} items of type {@code text}, and every string of
 * {@code structuredContent}) through the output guardrails before it is relayed. The checks are
 * the guardrails plugin's, handed over on the exchange as {@link TextGuard}s; without that plugin,
 * or without enabled guardrails of a hook, nothing is checked. Masks are written back in place.
 */
final class ToolGuards {
    private ToolGuards() {
    }

    /**
     * Checks, and masks in place, the {@code arguments} of a {@code tools/call} params object.
     *
     * @return the refusal message when a guardrail blocks
     */
    static Optional<String> arguments(Exchange ex, McpServer server, ObjectNode params) {
        Optional<TextGuard> guard = ex.attr(TextGuard.MCP_INPUT);
        if (guard.isEmpty() || !params.has("arguments")) {
            return Optional.empty();
        }
        List<Leaf> leaves = new ArrayList<>();
        collect(params, "arguments", leaves);
        return run(ex, guard.get(), server, leaves, "tool arguments");
    }

    /**
     * Checks, and masks in place, the result of a {@code tools/call} answer (an error answer
     * carries no tool output and passes).
     *
     * @return the refusal message when a guardrail blocks
     */
    static Optional<String> result(Exchange ex, McpServer server, JsonNode answer) {
        Optional<TextGuard> guard = ex.attr(TextGuard.MCP_OUTPUT);
        JsonNode result = answer.path("result");
        if (guard.isEmpty() || !result.isObject()) {
            return Optional.empty();
        }
        List<Leaf> leaves = new ArrayList<>();
        JsonNode content = result.path("content");
        if (content.isArray()) {
            for (JsonNode item : content) {
                if (item.isObject() && "text".equals(item.path("type").asText()) && item.path("text").isTextual()) {
                    leaves.add(new Leaf(item, "text", -1));
                }
            }
        }
        collect((ObjectNode) result, "structuredContent", leaves);
        return run(ex, guard.get(), server, leaves, "tool result");
    }

    private static Optional<String> run(Exchange ex, TextGuard guard, McpServer server, List<Leaf> leaves,
                                        String what) {
        if (leaves.isEmpty()) {
            return Optional.empty();
        }
        List<String> texts = new ArrayList<>(leaves.size());
        for (Leaf l : leaves) {
            texts.add(l.read());
        }
        try {
            if (guard.enforce(ex, server.id(), texts)) {
                for (int i = 0; i < leaves.size(); i++) {
                    leaves.get(i).write(texts.get(i));
                }
            }
            return Optional.empty();
        } catch (GatewayException e) {
            // the guardrails plugin's message names the guardrail, never what matched
            return Optional.of(what + " for MCP server '" + server.name() + "' " + e.getMessage()
                    .replaceFirst("^(request|response) ", ""));
        }
    }

    /**
     * The field itself when it is a string (a malformed but relayable value must not slip past),
     * else every string under it.
     */
    private static void collect(ObjectNode holder, String field, List<Leaf> out) {
        JsonNode v = holder.get(field);
        if (v == null) {
            return;
        }
        if (v.isTextual()) {
            out.add(new Leaf(holder, field, -1));
        } else {
            collect(v, out);
        }
    }

    /** Every string value under {@code node}, objects and arrays alike (not object keys). */
    private static void collect(JsonNode node, List<Leaf> out) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    out.add(new Leaf(o, e.getKey(), -1));
                } else {
                    collect(e.getValue(), out);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    out.add(new Leaf(a, null, i));
                } else {
                    collect(a.get(i), out);
                }
            }
        }
    }

    /** A string in a JSON tree: a field of an object, or an element of an array. */
    private record Leaf(JsonNode holder, String field, int index) {
        String read() {
            return field != null ? holder.get(field).asText() : holder.get(index).asText();
        }

        void write(String text) {
            if (field != null) {
                ((ObjectNode) holder).put(field, text);
            } else {
                ((ArrayNode) holder).set(index, TextNode.valueOf(text));
            }
        }
    }
}
