package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream.MockCall;
import java.util.List;

/** Gemini's {@code models/{model}:batchEmbedContents} as the mock speaks it: one vector per request. */
final class GeminiEmbedWire implements MockUpstream.Wire {
    private final GeminiWire gemini = new GeminiWire(false);

    @Override
    public boolean authorized(MockCall call, String key) {
        return gemini.authorized(call, key);
    }

    @Override
    public String validate(MockCall call) {
        ObjectNode json = call.json();
        if (json == null || !json.path("requests").isArray() || json.path("requests").isEmpty()) {
            return "* BatchEmbedContentsRequest.requests: requests is not specified";
        }
        for (JsonNode r : json.get("requests")) {
            if (!("models/" + call.pathModel()).equals(r.path("model").asText())) {
                return "* BatchEmbedContentsRequest.requests[].model: must be models/" + call.pathModel();
            }
            if (!r.at("/content/parts/0/text").isTextual()) {
                return "* BatchEmbedContentsRequest.requests[].content: content is not specified";
            }
        }
        return null;
    }

    @Override
    public byte[] errorBody(int status, String message) {
        return gemini.errorBody(status, message);
    }

    @Override
    public boolean streams(MockCall call) {
        return false;
    }

    @Override
    public JsonNode json(MockCall call) {
        ObjectNode root = MockJson.object();
        ArrayNode list = root.putArray("embeddings");
        JsonNode requests = call.json().get("requests");
        for (int i = 0; i < requests.size(); i++) {
            int dims = requests.get(i).path("outputDimensionality").asInt(call.script().embeddingDims());
            list.addObject().set("values", OpenAiWire.vector(i, dims));
        }
        return root;
    }

    @Override
    public List<byte[]> frames(MockCall call) {
        return List.of();
    }

    @Override
    public byte[] errorEvent(MockCall call) {
        return new byte[0];
    }
}
