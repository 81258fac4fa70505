package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream.MockCall;
import java.util.List;
import java.util.Map;

/**
 * Vertex AI's publisher-model routes
 * ({@code /v1/projects/{p}/locations/{l}/publishers/{publisher}/models/{model}:{method}}): Gemini
 * ({@code google}: generateContent, streamGenerateContent) and Claude ({@code anthropic}: rawPredict,
 * streamRawPredict, the Messages wire with {@code anthropic_version: vertex-2023-10-16} in the body
 * and no {@code model}). Every call needs {@code Authorization: Bearer} with a token the mock's
 * OAuth2 endpoint issued and that has not expired, or the {@link MockUpstream#requireApiKey} value
 * (a pre-minted token); a 401 in Google's format otherwise.
 */
final class VertexWire implements MockUpstream.Wire {
    static final String ANTHROPIC_VERSION = "vertex-2023-10-16";

    private final MockUpstream.Wire inner;
    private final GoogleOAuth oauth;

    private VertexWire(MockUpstream.Wire inner, GoogleOAuth oauth) {
        this.inner = inner;
        this.oauth = oauth;
    }

    /** The wire for a Vertex path, or null when the path is not one. */
    static VertexWire route(String path, GoogleOAuth oauth) {
        int pub = path.indexOf("/publishers/");
        int colon = path.lastIndexOf(':');
        if (!path.startsWith("/v1/projects/") || !path.contains("/locations/") || pub < 0 || colon < pub) {
            return null;
        }
        String rest = path.substring(pub + "/publishers/".length());
        String publisher = rest.substring(0, Math.max(rest.indexOf('/'), 0));
        String method = path.substring(colon + 1);
        return switch (publisher + ":" + method) {
            case "google:generateContent" -> new VertexWire(new GeminiWire(false), oauth);
            case "google:streamGenerateContent" -> new VertexWire(new GeminiWire(true), oauth);
            case "anthropic:rawPredict" -> new VertexWire(new ClaudeOnVertex(false), oauth);
            case "anthropic:streamRawPredict" -> new VertexWire(new ClaudeOnVertex(true), oauth);
            default -> null;
        };
    }

    /** The model segment of the path (between {@code /models/} and {@code :}). */
    static String model(String path) {
        return path.substring(path.lastIndexOf("/models/") + "/models/".length(), path.lastIndexOf(':'));
    }

    @Override
    public boolean authorized(MockCall call, String key) {
        return bearer(call).map(key::equals).orElse(false);
    }

    private static java.util.Optional<String> bearer(MockCall call) {
        return call.request().header("authorization").filter(a -> a.startsWith("Bearer "))
                .map(a -> a.substring("Bearer ".length()));
    }

    @Override
    public MockUpstream.Refusal refuse(MockCall call, String requiredKey) {
        if (requiredKey == null && !oauth.configured()) {
            return null;
        }
        String token = bearer(call).orElse("");
        if (oauth.valid(token) || token.equals(requiredKey)) {
            return null;
        }
        ObjectNode root = MockJson.object();
        root.putObject("error").put("code", 401).put("message", "Request had invalid authentication credentials."
                + " Expected OAuth 2 access token, login cookie or other valid authentication credential.")
                .put("status", "UNAUTHENTICATED");
        return new MockUpstream.Refusal(401, MockJson.bytes(root), Map.of());
    }

    @Override
    public String validate(MockCall call) {
        return inner.validate(call);
    }

    @Override
    public byte[] errorBody(int status, String message) {
        // Vertex answers in Google's format on every publisher route
        ObjectNode root = MockJson.object();
        root.putObject("error").put("code", status).put("message", message).put("status", GeminiWire.status(status));
        return MockJson.bytes(root);
    }

    @Override
    public boolean streams(MockCall call) {
        return inner.streams(call);
    }

    @Override
    public JsonNode json(MockCall call) {
        return inner.json(call);
    }

    @Override
    public List<byte[]> frames(MockCall call) {
        return inner.frames(call);
    }

    @Override
    public byte[] errorEvent(MockCall call) {
        return inner.errorEvent(call);
    }

    /** Claude on Vertex: the Messages wire with the version in the body and the model in the path. */
    private static final class ClaudeOnVertex implements MockUpstream.Wire {
        private final AnthropicWire messages = new AnthropicWire();
        private final boolean stream;

        ClaudeOnVertex(boolean stream) {
            this.stream = stream;
        }

        @Override
        public boolean authorized(MockCall call, String key) {
            return false; // VertexWire checks the bearer
        }

        @Override
        public String validate(MockCall call) {
            ObjectNode json = call.json();
            if (json == null) {
                return "a JSON body is required";
            }
            if (!ANTHROPIC_VERSION.equals(json.path("anthropic_version").asText())) {
                return "anthropic_version: must be " + ANTHROPIC_VERSION;
            }
            if (json.has("model")) {
                return "model: Extra inputs are not permitted";
            }
            if (stream != json.path("stream").asBoolean(false)) {
                return "stream must be " + stream + " on " + (stream ? "streamRawPredict" : "rawPredict");
            }
            ObjectNode withModel = json.deepCopy();
            withModel.put("model", "claude-on-vertex");
            return AnthropicWire.validateBody(withModel);
        }

        @Override
        public byte[] errorBody(int status, String message) {
            return messages.errorBody(status, message);
        }

        @Override
        public boolean streams(MockCall call) {
            return stream;
        }

        @Override
        public JsonNode json(MockCall call) {
            return messages.json(call);
        }

        @Override
        public List<byte[]> frames(MockCall call) {
            return messages.frames(call);
        }

        @Override
        public byte[] errorEvent(MockCall call) {
            return messages.errorEvent(call);
        }
    }
}
