package io.aisix.plugin.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.Embeddings;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.error.GatewayException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Embeddings through InvokeModel for the two families Bedrock serves: Amazon Titan (one text per
 * call: {@code {inputText, dimensions?}} → {@code {embedding, inputTextTokenCount}}) and Cohere
 * ({@code {texts, input_type}} → {@code {embeddings}}; tokens from the
 * {@code X-Amzn-Bedrock-Input-Token-Count} header).
 */
final class BedrockEmbeddings {
    static final String INPUT_TOKENS = "x-amzn-bedrock-input-token-count";

    enum Family { TITAN, COHERE }

    private BedrockEmbeddings() {
    }

    /** The family of an embedding model id (a cross-region prefix or an ARN around it is fine). */
    static Family family(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        if (m.contains("cohere.embed")) {
            return Family.COHERE;
        }
        if (m.contains("titan-embed")) {
            return Family.TITAN;
        }
        throw GatewayException.invalidRequest("model " + model + " is not a Bedrock embedding model this gateway"
                + " serves (Amazon Titan and Cohere embeddings)", "model");
    }

    /** Titan: one body per text. */
    static List<byte[]> titanBodies(ObjectNode request) {
        List<byte[]> out = new ArrayList<>();
        for (String text : Embeddings.texts(request)) {
            ObjectNode body = ProviderJson.object();
            body.put("inputText", text);
            ProviderJson.copyNumber(request, "dimensions", body, "dimensions");
            out.add(ProviderJson.bytes(body));
        }
        return out;
    }

    /** Cohere: every text in one body; {@code input_type} from the caller's extra field, else {@code search_document}. */
    static byte[] cohereBody(ObjectNode request) {
        ObjectNode body = ProviderJson.object();
        body.putArray("texts").addAll(Embeddings.texts(request).stream().map(body::textNode).toList());
        body.put("input_type", request.path("input_type").asText("search_document"));
        JsonNode truncate = request.get("truncate");
        if (truncate != null && truncate.isTextual()) {
            body.set("truncate", truncate);
        }
        return ProviderJson.bytes(body);
    }

    /** Titan's vector. */
    static JsonNode titanVector(JsonNode answer) {
        JsonNode v = answer.get("embedding");
        if (v == null || !v.isArray()) {
            throw Upstreams.unreadable();
        }
        return v;
    }

    /** Cohere's vectors ({@code embeddings} a list, or {@code embeddings.float} when types were asked). */
    static List<JsonNode> cohereVectors(JsonNode answer, int expected) {
        JsonNode list = answer.get("embeddings");
        if (list != null && list.isObject()) {
            list = list.get("float");
        }
        if (list == null || !list.isArray() || list.size() != expected) {
            throw Upstreams.unreadable();
        }
        List<JsonNode> out = new ArrayList<>(list.size());
        list.forEach(out::add);
        return out;
    }
}
