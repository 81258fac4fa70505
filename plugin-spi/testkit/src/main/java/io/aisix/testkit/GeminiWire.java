package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream.MockCall;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The Gemini generateContent wire as the mock speaks it ({@code alt=sse} streams, CRLF framed like Google's). */
final class GeminiWire implements MockUpstream.Wire {
    private static final AtomicLong SEQ = new AtomicLong();

    private final boolean stream;

    GeminiWire(boolean stream) {
        this.stream = stream;
    }

    @Override
    public boolean authorized(MockCall call, String key) {
        return call.request().header("x-goog-api-key").map(key::equals).orElse(false)
                || call.request().queryParam("key").map(key::equals).orElse(false);
    }

    @Override
    public String validate(MockCall call) {
        if (stream && !call.request().queryParam("alt").map("sse"::equals).orElse(false)) {
            return "the mock serves streamGenerateContent with alt=sse only";
        }
        ObjectNode json = call.json();
        if (json == null) {
            return "a JSON body is required";
        }
        JsonNode contents = json.path("contents");
        if (!contents.isArray() || contents.isEmpty()) {
            return "* GenerateContentRequest.contents: contents is not specified";
        }
        for (JsonNode c : contents) {
            String role = c.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model") && !role.equals("function")) {
                return "Please use a valid role: user, model.";
            }
            if (!c.path("parts").isArray() || c.path("parts").isEmpty()) {
                return "* GenerateContentRequest.contents.parts: contents.parts must not be empty.";
            }
        }
        for (String f : List.of("systemInstruction", "system_instruction")) {
            JsonNode si = json.get(f);
            if (si != null && !si.path("parts").isArray()) {
                return "Invalid value at '" + f + "'";
            }
        }
        return null;
    }

    static String status(int code) {
        return switch (code) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        };
    }

    @Override
    public byte[] errorBody(int code, String message) {
        ObjectNode root = MockJson.object();
        root.putObject("error").put("code", code).put("message", message).put("status", status(code));
        return MockJson.bytes(root);
    }

    @Override
    public boolean streams(MockCall call) {
        return stream;
    }

    static String finishReason(String canonical) {
        return switch (canonical) {
            case "length" -> "MAX_TOKENS";
            case "content_filter" -> "SAFETY";
            default -> "STOP";
        };
    }

    private static ObjectNode usage(Script s, boolean full) {
        ObjectNode u = MockJson.object();
        u.put("promptTokenCount", s.promptTokens());
        if (full) {
            u.put("candidatesTokenCount", s.completionTokens());
        }
        u.put("totalTokenCount", s.promptTokens() + (full ? s.completionTokens() : 0));
        u.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", s.promptTokens());
        return u;
    }

    private static ObjectNode response(MockCall call, String responseId, ArrayNode parts, String finish, ObjectNode usage) {
        ObjectNode root = MockJson.object();
        ObjectNode cand = root.putArray("candidates").addObject();
        ObjectNode content = cand.putObject("content");
        content.set("parts", parts);
        content.put("role", "model");
        if (finish != null) {
            cand.put("finishReason", finish);
        }
        cand.put("index", 0);
        root.set("usageMetadata", usage);
        root.put("modelVersion", call.pathModel());
        root.put("responseId", responseId);
        return root;
    }

    private static void addCalls(ArrayNode parts, Script s) {
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode fc = parts.addObject().putObject("functionCall");
            fc.put("name", tc.name());
            fc.set("args", MockJson.parseObject(tc.arguments()));
        }
    }

    @Override
    public JsonNode json(MockCall call) {
        Script s = call.script();
        ArrayNode parts = MockJson.array();
        if (!s.reasoning().isEmpty()) {
            parts.addObject().put("text", s.reasoning()).put("thought", true);
        }
        if (!s.text().isEmpty()) {
            parts.addObject().put("text", s.text());
        }
        addCalls(parts, s);
        return response(call, "mockresp" + SEQ.incrementAndGet(), parts, finishReason(s.canonicalFinishReason()),
                usage(s, true));
    }

    private static byte[] frame(JsonNode data) {
        return ("data: " + MockJson.text(data) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<byte[]> frames(MockCall call) {
        Script s = call.script();
        String id = "mockresp" + SEQ.incrementAndGet();
        List<byte[]> frames = MockUpstream.list();
        List<String> pieces = s.textPieces();
        boolean calls = !s.toolCallList().isEmpty();
        String finish = finishReason(s.canonicalFinishReason());
        for (String piece : s.reasoningPieces()) {
            ArrayNode parts = MockJson.array();
            parts.addObject().put("text", piece).put("thought", true);
            frames.add(frame(response(call, id, parts, null, usage(s, false))));
        }
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1 && !calls;
            ArrayNode parts = MockJson.array();
            parts.addObject().put("text", pieces.get(i));
            frames.add(frame(response(call, id, parts, last ? finish : null, usage(s, last))));
        }
        if (calls) {
            ArrayNode parts = MockJson.array();
            addCalls(parts, s);
            frames.add(frame(response(call, id, parts, finish, usage(s, true))));
        }
        if (pieces.isEmpty() && !calls) {
            ArrayNode parts = MockJson.array();
            parts.addObject().put("text", "");
            frames.add(frame(response(call, id, parts, finish, usage(s, true))));
        }
        return frames;
    }

    @Override
    public byte[] errorEvent(MockCall call) {
        ObjectNode root = MockJson.object();
        root.putObject("error").put("code", 500).put("message", "mock upstream stream failure").put("status", "INTERNAL");
        return frame(root);
    }
}
