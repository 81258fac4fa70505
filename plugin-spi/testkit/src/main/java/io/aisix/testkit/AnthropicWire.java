package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream.MockCall;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The Anthropic Messages wire as the mock speaks it. */
final class AnthropicWire implements MockUpstream.Wire {
    private static final AtomicLong SEQ = new AtomicLong();

    @Override
    public boolean authorized(MockCall call, String key) {
        return call.request().header("x-api-key").map(key::equals).orElse(false);
    }

    @Override
    public String validate(MockCall call) {
        if (call.request().header("anthropic-version").isEmpty()) {
            return "anthropic-version: header is required";
        }
        return validateBody(call.json());
    }

    /** The Messages body checks shared by every route that speaks it (Vertex, Bedrock's /invoke). */
    static String validateBody(ObjectNode json) {
        if (json == null) {
            return "a JSON body is required";
        }
        if (!json.path("model").isTextual()) {
            return "model: Field required";
        }
        if (!json.path("max_tokens").isIntegralNumber()) {
            return "max_tokens: Field required";
        }
        if (!json.path("messages").isArray() || json.path("messages").isEmpty()) {
            return "messages: Field required";
        }
        for (JsonNode m : json.get("messages")) {
            String role = m.path("role").asText();
            if (!role.equals("user") && !role.equals("assistant")) {
                return "messages: Unexpected role \"" + role + "\"";
            }
        }
        return null;
    }

    static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    @Override
    public byte[] errorBody(int status, String message) {
        ObjectNode root = MockJson.object();
        root.put("type", "error");
        root.putObject("error").put("type", errorType(status)).put("message", message);
        root.put("request_id", "req_mock");
        return MockJson.bytes(root);
    }

    @Override
    public boolean streams(MockCall call) {
        return call.flag("stream");
    }

    static String stopReason(String canonical) {
        return switch (canonical) {
            case "length" -> "max_tokens";
            case "tool_calls" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    private static ObjectNode usage(Script s, boolean start) {
        ObjectNode u = MockJson.object();
        u.put("input_tokens", s.promptTokens());
        u.put("cache_creation_input_tokens", s.cacheCreationTokens());
        u.put("cache_read_input_tokens", s.cacheReadTokens());
        u.put("output_tokens", start ? 1 : s.completionTokens());
        return u;
    }

    @Override
    public JsonNode json(MockCall call) {
        Script s = call.script();
        ObjectNode root = MockJson.object();
        root.put("id", "msg_mock" + SEQ.incrementAndGet());
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", call.field("model", "claude-mock"));
        ArrayNode content = root.putArray("content");
        if (!s.reasoning().isEmpty()) {
            content.addObject().put("type", "thinking").put("thinking", s.reasoning()).put("signature", "mock-signature");
        }
        if (!s.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", s.text());
        }
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode t = content.addObject();
            t.put("type", "tool_use");
            t.put("id", tc.id());
            t.put("name", tc.name());
            t.set("input", MockJson.parseObject(tc.arguments()));
        }
        root.put("stop_reason", stopReason(s.canonicalFinishReason()));
        root.putNull("stop_sequence");
        root.set("usage", usage(s, false));
        root.setAll(MockJson.parseObject(s.extraFields()));
        return root;
    }

    private static byte[] event(String type, ObjectNode data) {
        ObjectNode e = MockJson.object();
        e.put("type", type);
        e.setAll(data);
        return MockUpstream.sse(type, MockJson.text(e));
    }

    @Override
    public List<byte[]> frames(MockCall call) {
        Script s = call.script();
        List<byte[]> frames = MockUpstream.list();
        ObjectNode message = MockJson.object();
        message.put("id", "msg_mock" + SEQ.incrementAndGet());
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", call.field("model", "claude-mock"));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.set("usage", usage(s, true));
        message.setAll(MockJson.parseObject(s.extraFields()));
        frames.add(event("message_start", (ObjectNode) MockJson.object().set("message", message)));
        int index = 0;
        boolean pinged = false;
        if (!s.reasoning().isEmpty()) {
            frames.add(event("content_block_start", (ObjectNode) MockJson.object().put("index", index)
                    .set("content_block", MockJson.object().put("type", "thinking").put("thinking", ""))));
            for (String piece : s.reasoningPieces()) {
                frames.add(event("content_block_delta", (ObjectNode) MockJson.object().put("index", index)
                        .set("delta", MockJson.object().put("type", "thinking_delta").put("thinking", piece))));
            }
            frames.add(event("content_block_delta", (ObjectNode) MockJson.object().put("index", index)
                    .set("delta", MockJson.object().put("type", "signature_delta").put("signature", "mock-signature"))));
            frames.add(event("content_block_stop", MockJson.object().put("index", index)));
            index++;
        }
        if (!s.text().isEmpty()) {
            frames.add(event("content_block_start", (ObjectNode) MockJson.object().put("index", index)
                    .set("content_block", MockJson.object().put("type", "text").put("text", ""))));
            frames.add(event("ping", MockJson.object()));
            pinged = true;
            for (String piece : s.textPieces()) {
                frames.add(event("content_block_delta", (ObjectNode) MockJson.object().put("index", index)
                        .set("delta", MockJson.object().put("type", "text_delta").put("text", piece))));
            }
            frames.add(event("content_block_stop", MockJson.object().put("index", index)));
            index++;
        }
        if (!pinged) {
            frames.add(event("ping", MockJson.object()));
        }
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode block = MockJson.object().put("type", "tool_use").put("id", tc.id()).put("name", tc.name());
            block.putObject("input");
            frames.add(event("content_block_start",
                    (ObjectNode) MockJson.object().put("index", index).set("content_block", block)));
            for (String piece : Script.split(tc.arguments(), s.deltas())) {
                frames.add(event("content_block_delta", (ObjectNode) MockJson.object().put("index", index)
                        .set("delta", MockJson.object().put("type", "input_json_delta").put("partial_json", piece))));
            }
            frames.add(event("content_block_stop", MockJson.object().put("index", index)));
            index++;
        }
        ObjectNode md = MockJson.object();
        md.putObject("delta").put("stop_reason", stopReason(s.canonicalFinishReason())).putNull("stop_sequence");
        md.putObject("usage").put("output_tokens", s.completionTokens());
        frames.add(event("message_delta", md));
        frames.add(event("message_stop", MockJson.object()));
        return frames;
    }

    @Override
    public byte[] errorEvent(MockCall call) {
        ObjectNode e = MockJson.object();
        e.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
        return event("error", e);
    }
}
