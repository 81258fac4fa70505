package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The canonical {@code /v1/embeddings} shapes for adapters whose upstream has its own embeddings
 * wire (Gemini, Bedrock's Titan and Cohere): the caller's texts in, the OpenAI list answer out.
 */
public final class Embeddings {
    private Embeddings() {
    }

    /**
     * The texts of a canonical request's {@code input}: a string or an array of strings. Token
     * arrays (OpenAI's pre-tokenised input) and anything else are a 400: these upstreams embed text.
     */
    public static List<String> texts(ObjectNode request) {
        JsonNode input = request.get("input");
        List<String> out = new ArrayList<>();
        if (input != null && input.isTextual()) {
            out.add(input.asText());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            for (JsonNode i : input) {
                if (!i.isTextual()) {
                    throw new GatewayException(ErrorCode.INVALID_REQUEST,
                            "input must be a string or an array of strings for this model (token arrays are not supported)");
                }
                out.add(i.asText());
            }
        } else {
            throw new GatewayException(ErrorCode.INVALID_REQUEST, "input must be a non-empty string or array of strings");
        }
        return out;
    }

    /** True when the caller asked for base64 vectors ({@code encoding_format: base64}). */
    public static boolean base64(ObjectNode request) {
        return "base64".equals(request.path("encoding_format").asText(""));
    }

    /**
     * The OpenAI answer {@code {object: list, data: [{object: embedding, index, embedding}], model,
     * usage}}; with {@code base64} each vector is its little-endian float32 bytes in base64, as
     * OpenAI sends them.
     *
     * @param vectors one JSON array of numbers per input, in input order
     */
    public static ObjectNode response(List<JsonNode> vectors, String alias, long promptTokens, boolean base64) {
        ObjectNode out = ProviderJson.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            JsonNode v = vectors.get(i);
            if (v == null || !v.isArray()) {
                throw Upstreams.unreadable();
            }
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            if (base64) {
                e.put("embedding", toBase64(v));
            } else {
                e.set("embedding", v);
            }
        }
        out.put("model", alias);
        out.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
        return out;
    }

    private static String toBase64(JsonNode vector) {
        ByteBuffer buf = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode n : vector) {
            if (!n.isNumber()) {
                throw Upstreams.unreadable();
            }
            buf.putFloat(n.floatValue());
        }
        return Base64.getEncoder().encodeToString(buf.array());
    }
}
