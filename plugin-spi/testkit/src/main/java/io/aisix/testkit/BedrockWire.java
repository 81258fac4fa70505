package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream.MockCall;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bedrock Runtime as the mock speaks it: {@code POST /model/{modelId}/converse},
 * {@code /converse-stream} (AWS's binary event stream: messageStart, contentBlockStart/Delta/Stop,
 * messageStop, metadata) and {@code /invoke} for Claude (the Messages body with
 * {@code anthropic_version: bedrock-2023-05-31}), Titan and Cohere embeddings. Errors are AWS's:
 * {@code {"message"}} with {@code x-amzn-ErrorType}. With {@link MockUpstream#requireAwsCredentials}
 * every call's SigV4 signature is verified ({@link AwsSigV4}).
 */
final class BedrockWire implements MockUpstream.Wire {
    enum Op { CONVERSE, CONVERSE_STREAM, INVOKE }

    static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";

    private final Op op;
    private final String model;
    private final AwsSigV4.Expected expected;
    private final int port;

    private BedrockWire(Op op, String model, AwsSigV4.Expected expected, int port) {
        this.op = op;
        this.model = model;
        this.expected = expected;
        this.port = port;
    }

    /** The wire of a Bedrock Runtime path, or null. */
    static BedrockWire route(String path, AwsSigV4.Expected expected, int port) {
        if (!path.startsWith("/model/")) {
            return null;
        }
        String rest = path.substring("/model/".length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return null;
        }
        Op op = switch (rest.substring(slash + 1)) {
            case "converse" -> Op.CONVERSE;
            case "converse-stream" -> Op.CONVERSE_STREAM;
            case "invoke" -> Op.INVOKE;
            default -> null;
        };
        return op == null ? null
                : new BedrockWire(op, URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8), expected, port);
    }

    String model() {
        return model;
    }

    @Override
    public boolean authorized(MockCall call, String key) {
        return true; // SigV4 is checked in refuse
    }

    @Override
    public MockUpstream.Refusal refuse(MockCall call, String requiredKey) {
        if (expected == null) {
            return null;
        }
        String[] problem = AwsSigV4.check(call.request(), port, expected, "bedrock");
        if (problem == null) {
            return null;
        }
        return new MockUpstream.Refusal(403, message(problem[1]), Map.of("x-amzn-ErrorType", problem[0]));
    }

    private boolean claude() {
        return model.contains("anthropic.");
    }

    @Override
    public String validate(MockCall call) {
        ObjectNode json = call.json();
        if (json == null) {
            return "Malformed input request, please reformat your input and try again.";
        }
        if (op == Op.INVOKE) {
            if (claude()) {
                if (!ANTHROPIC_VERSION.equals(json.path("anthropic_version").asText())) {
                    return "anthropic_version: must be " + ANTHROPIC_VERSION;
                }
                if (json.has("model") || json.has("stream")) {
                    return "Malformed input request: extraneous key [" + (json.has("model") ? "model" : "stream")
                            + "] is not permitted";
                }
                ObjectNode withModel = json.deepCopy();
                withModel.put("model", model);
                return AnthropicWire.validateBody(withModel);
            }
            if (model.contains("titan-embed")) {
                return json.path("inputText").isTextual() ? null : "Malformed input request: required key [inputText] not found";
            }
            if (model.contains("cohere.embed")) {
                return json.path("texts").isArray() && json.path("input_type").isTextual() ? null
                        : "Malformed input request: #: required key [texts] / [input_type] not found";
            }
            return "The provided model identifier is invalid.";
        }
        JsonNode messages = json.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            return "The model returned the following errors: messages: must not be empty";
        }
        String expectedRole = "user";
        boolean toolBlocks = false;
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            if (!role.equals(expectedRole)) {
                return "A conversation must alternate between user and assistant roles.";
            }
            expectedRole = role.equals("user") ? "assistant" : "user";
            if (!m.path("content").isArray() || m.path("content").isEmpty()) {
                return "The content field in the Message object is empty.";
            }
            for (JsonNode b : m.get("content")) {
                toolBlocks |= b.has("toolUse") || b.has("toolResult");
            }
        }
        if (toolBlocks && !json.has("toolConfig")) {
            return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
        }
        return null;
    }

    static byte[] message(String message) {
        return MockJson.bytes(MockJson.object().put("message", message));
    }

    static String errorType(int status) {
        return switch (status) {
            case 400 -> "ValidationException";
            case 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 408 -> "ModelTimeoutException";
            case 424 -> "ModelErrorException";
            case 429 -> "ThrottlingException";
            case 503 -> "ServiceUnavailableException";
            default -> status >= 500 ? "InternalServerException" : "ValidationException";
        };
    }

    @Override
    public byte[] errorBody(int status, String message) {
        return message(message);
    }

    @Override
    public Map<String, String> errorHeaders(int status) {
        return Map.of("x-amzn-ErrorType", errorType(status) + ":http://internal.amazon.com/coral/com.amazon.bedrock/",
                "x-amzn-RequestId", "mock-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    @Override
    public boolean streams(MockCall call) {
        return op == Op.CONVERSE_STREAM;
    }

    @Override
    public String streamContentType() {
        return "application/vnd.amazon.eventstream";
    }

    static String stopReason(String canonical) {
        return switch (canonical) {
            case "length" -> "max_tokens";
            case "tool_calls" -> "tool_use";
            case "content_filter" -> "content_filtered";
            default -> "end_turn";
        };
    }

    private static ObjectNode usage(Script s) {
        return MockJson.object().put("inputTokens", s.promptTokens()).put("outputTokens", s.completionTokens())
                .put("totalTokens", s.promptTokens() + s.completionTokens());
    }

    @Override
    public JsonNode json(MockCall call) {
        Script s = call.script();
        if (op == Op.INVOKE) {
            if (claude()) {
                return new AnthropicWire().json(call);
            }
            if (model.contains("titan-embed")) {
                int dims = call.json().path("dimensions").asInt(s.embeddingDims());
                return MockJson.object().put("inputTextTokenCount", s.promptTokens())
                        .set("embedding", OpenAiWire.vector(0, dims));
            }
            ObjectNode cohere = MockJson.object();
            ArrayNode list = cohere.putArray("embeddings");
            for (int i = 0; i < call.json().path("texts").size(); i++) {
                list.add(OpenAiWire.vector(i, s.embeddingDims()));
            }
            cohere.put("id", "mock-embed");
            cohere.put("response_type", "embeddings_floats");
            return cohere;
        }
        ObjectNode root = MockJson.object();
        ObjectNode message = root.putObject("output").putObject("message");
        message.put("role", "assistant");
        ArrayNode content = message.putArray("content");
        if (!s.reasoning().isEmpty()) {
            content.addObject().putObject("reasoningContent").putObject("reasoningText").put("text", s.reasoning())
                    .put("signature", "mock-signature");
        }
        if (!s.text().isEmpty()) {
            content.addObject().put("text", s.text());
        }
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode use = content.addObject().putObject("toolUse");
            use.put("toolUseId", tc.id());
            use.put("name", tc.name());
            use.set("input", MockJson.parseObject(tc.arguments()));
        }
        root.put("stopReason", stopReason(s.canonicalFinishReason()));
        root.set("usage", usage(s));
        root.putObject("metrics").put("latencyMs", 42);
        return root;
    }

    private static byte[] event(String type, ObjectNode body) {
        body.put("p", "abcdefghijklmnopqrstuvwxyzABCDEF"); // AWS pads every event with a random-length field
        return AwsFrames.event(type, MockJson.bytes(body));
    }

    @Override
    public List<byte[]> frames(MockCall call) {
        Script s = call.script();
        List<byte[]> frames = MockUpstream.list();
        frames.add(event("messageStart", MockJson.object().put("role", "assistant")));
        int index = 0;
        if (!s.reasoning().isEmpty()) {
            for (String piece : s.reasoningPieces()) {
                ObjectNode d = MockJson.object().put("contentBlockIndex", index);
                d.putObject("delta").putObject("reasoningContent").put("text", piece);
                frames.add(event("contentBlockDelta", d));
            }
            frames.add(event("contentBlockStop", MockJson.object().put("contentBlockIndex", index)));
            index++;
        }
        if (!s.text().isEmpty()) {
            for (String piece : s.textPieces()) {
                ObjectNode d = MockJson.object().put("contentBlockIndex", index);
                d.putObject("delta").put("text", piece);
                frames.add(event("contentBlockDelta", d));
            }
            frames.add(event("contentBlockStop", MockJson.object().put("contentBlockIndex", index)));
            index++;
        }
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode start = MockJson.object().put("contentBlockIndex", index);
            start.putObject("start").putObject("toolUse").put("toolUseId", tc.id()).put("name", tc.name());
            frames.add(event("contentBlockStart", start));
            for (String piece : Script.split(tc.arguments(), s.deltas())) {
                ObjectNode d = MockJson.object().put("contentBlockIndex", index);
                d.putObject("delta").putObject("toolUse").put("input", piece);
                frames.add(event("contentBlockDelta", d));
            }
            frames.add(event("contentBlockStop", MockJson.object().put("contentBlockIndex", index)));
            index++;
        }
        frames.add(event("messageStop", MockJson.object().put("stopReason", stopReason(s.canonicalFinishReason()))));
        ObjectNode meta = MockJson.object();
        meta.set("usage", usage(s));
        meta.putObject("metrics").put("latencyMs", 42);
        frames.add(event("metadata", meta));
        return frames;
    }

    @Override
    public byte[] errorEvent(MockCall call) {
        return AwsFrames.exception("modelStreamErrorException", "mock upstream stream failure");
    }
}
