package io.aisix.plugin.anthropicmessages;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The answer of {@code POST /v1/messages/count_tokens} for a model whose provider has no token
 * counter (everything but Anthropic): an estimate in Anthropic's shape,
 * {@code {"input_tokens": N}}, marked by the response header {@code x-aisix-token-count: estimate}.
 *
 * <p>Why an estimate rather than a 4xx: the callers of this endpoint (Claude Code, the Anthropic
 * SDKs' context-window management) use it to decide when to compact a conversation; a failure
 * breaks them, while an estimate within some percent does its job. The estimate is one token per
 * four characters of every string in the request except {@code model} (system, messages, tool
 * definitions), plus four tokens per message and 1600 per image or document block (the Anthropic
 * guideline for an image of about a megapixel), rounded up. It never calls the upstream.
 */
final class TokenEstimate {
    private static final int PER_MESSAGE = 4;
    private static final int PER_IMAGE = 1600;

    private TokenEstimate() {
    }

    static Response answer(Exchange ex) {
        long n = estimate(ex.json());
        byte[] body = ("{\"input_tokens\":" + n + "}").getBytes(StandardCharsets.US_ASCII);
        return new Response.Full(200, Headers.of("x-aisix-token-count", "estimate"), "application/json", body);
    }

    static long estimate(JsonNode request) {
        long[] chars = {0};
        long[] fixed = {0};
        for (Map.Entry<String, JsonNode> e : request.properties()) {
            if (!e.getKey().equals("model")) {
                walk(e.getValue(), chars, fixed);
            }
        }
        fixed[0] += (long) PER_MESSAGE * request.path("messages").size();
        return (chars[0] + 3) / 4 + fixed[0];
    }

    private static void walk(JsonNode node, long[] chars, long[] fixed) {
        if (node.isTextual()) {
            chars[0] += node.asText().length();
        } else if (node.isObject()) {
            String type = node.path("type").asText("");
            if (type.equals("image") || type.equals("document")) {
                fixed[0] += PER_IMAGE;
                return; // the base64 data is not text the model reads as tokens
            }
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                chars[0] += e.getKey().length();
                walk(e.getValue(), chars, fixed);
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                walk(item, chars, fixed);
            }
        } else if (node.isNumber() || node.isBoolean()) {
            chars[0] += node.asText().length();
        }
    }
}
