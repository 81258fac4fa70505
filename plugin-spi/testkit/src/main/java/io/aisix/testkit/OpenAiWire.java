package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream.MockCall;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The OpenAI wire (and Azure OpenAI's flavour of it) as the mock speaks it. */
final class OpenAiWire implements MockUpstream.Wire {
    private static final AtomicLong SEQ = new AtomicLong();

    enum Op { CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES, MODELS }

    private final Op op;
    /** Azure's deployment routes: the deployment in the path, {@code api-version} required. */
    private final boolean azure;
    /** Azure auth ({@code api-key}) on any route, also on Azure's v1 API ({@code /openai/v1/...}, model in the body). */
    private final boolean azureAuth;

    OpenAiWire(Op op, boolean azure) {
        this(op, azure, azure);
    }

    private OpenAiWire(Op op, boolean azure, boolean azureAuth) {
        this.op = op;
        this.azure = azure;
        this.azureAuth = azureAuth;
    }

    /** Azure OpenAI's v1 API ({@code /openai/v1/responses}): OpenAI's wire with Azure's auth, no api-version. */
    static OpenAiWire azureV1(Op op) {
        return new OpenAiWire(op, false, true);
    }

    @Override
    public boolean authorized(MockCall call, String key) {
        if (azureAuth) {
            return call.request().header("api-key").map(key::equals).orElse(false)
                    || call.request().header("authorization").map(("Bearer " + key)::equals).orElse(false);
        }
        return call.request().header("authorization").map(("Bearer " + key)::equals).orElse(false);
    }

    @Override
    public String validate(MockCall call) {
        if (azure && call.request().queryParam("api-version").isEmpty()) {
            return "Missing required query parameter: api-version";
        }
        if (op == Op.MODELS) {
            return null;
        }
        ObjectNode json = call.json();
        if (json == null) {
            return "a JSON body is required";
        }
        if (!azure && !json.path("model").isTextual()) {
            return "you must provide a model parameter";
        }
        return switch (op) {
            case CHAT -> json.path("messages").isArray() && !json.path("messages").isEmpty() ? null
                    : "'messages' must be a non-empty array";
            case COMPLETIONS -> json.has("prompt") ? null : "'prompt' is required";
            case EMBEDDINGS -> json.has("input") ? null : "'input' is required";
            case RESPONSES -> json.has("input") ? null : "'input' is required";
            case MODELS -> null;
        };
    }

    @Override
    public byte[] errorBody(int status, String message) {
        ObjectNode err = MockJson.object();
        ObjectNode e = err.putObject("error");
        e.put("message", message);
        e.put("type", status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error");
        e.putNull("param");
        if (status == 401) {
            e.put("code", "invalid_api_key");
        } else if (status == 429) {
            e.put("code", "rate_limit_exceeded");
        } else {
            e.putNull("code");
        }
        return MockJson.bytes(err);
    }

    @Override
    public boolean streams(MockCall call) {
        return (op == Op.CHAT || op == Op.COMPLETIONS || op == Op.RESPONSES) && call.flag("stream");
    }

    private String model(MockCall call) {
        return azure ? call.pathModel() : call.field("model", "gpt-mock");
    }

    private static boolean includeUsage(MockCall call) {
        JsonNode so = call.json() == null ? null : call.json().get("stream_options");
        return so != null && so.path("include_usage").asBoolean(false);
    }

    private static ObjectNode usage(Script s) {
        ObjectNode u = MockJson.object();
        u.put("prompt_tokens", s.promptTokens());
        u.put("completion_tokens", s.completionTokens());
        u.put("total_tokens", s.promptTokens() + s.completionTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return u;
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Override
    public JsonNode json(MockCall call) {
        Script s = call.script();
        return switch (op) {
            case CHAT -> chat(call, s);
            case COMPLETIONS -> completion(call, s);
            case EMBEDDINGS -> embeddings(call, s);
            case RESPONSES -> response(call, s, "completed");
            case MODELS -> models();
        };
    }

    private ObjectNode chat(MockCall call, Script s) {
        ObjectNode root = MockJson.object();
        root.put("id", "chatcmpl-mock" + SEQ.incrementAndGet());
        root.put("object", "chat.completion");
        root.put("created", now());
        root.put("model", model(call));
        root.put("system_fingerprint", "fp_mock");
        ArrayNode choices = root.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (s.toolCallList().isEmpty() || !s.text().isEmpty()) {
            message.put("content", s.text());
        } else {
            message.putNull("content");
        }
        message.putNull("refusal");
        if (!s.reasoning().isEmpty()) {
            message.put("reasoning_content", s.reasoning());
        }
        if (!s.toolCallList().isEmpty()) {
            ArrayNode tcs = message.putArray("tool_calls");
            for (Script.ToolCall tc : s.toolCallList()) {
                ObjectNode t = tcs.addObject();
                t.put("id", tc.id());
                t.put("type", "function");
                t.putObject("function").put("name", tc.name()).put("arguments", tc.arguments());
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", s.canonicalFinishReason());
        if (azure) {
            choice.putObject("content_filter_results").putObject("hate").put("filtered", false)
                    .put("severity", "safe");
            root.putArray("prompt_filter_results").addObject().put("prompt_index", 0)
                    .putObject("content_filter_results");
        }
        root.set("usage", usage(s));
        return root;
    }

    private ObjectNode completion(MockCall call, Script s) {
        ObjectNode root = MockJson.object();
        root.put("id", "cmpl-mock" + SEQ.incrementAndGet());
        root.put("object", "text_completion");
        root.put("created", now());
        root.put("model", model(call));
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("text", s.text());
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", s.canonicalFinishReason());
        ObjectNode u = MockJson.object();
        u.put("prompt_tokens", s.promptTokens());
        u.put("completion_tokens", s.completionTokens());
        u.put("total_tokens", s.promptTokens() + s.completionTokens());
        root.set("usage", u);
        return root;
    }

    private ObjectNode embeddings(MockCall call, Script s) {
        JsonNode input = call.json().get("input");
        int n = input.isArray() ? input.size() : 1;
        ObjectNode root = MockJson.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < n; i++) {
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            e.set("embedding", vector(i, s.embeddingDims()));
        }
        root.put("model", model(call));
        root.putObject("usage").put("prompt_tokens", s.promptTokens()).put("total_tokens", s.promptTokens());
        return root;
    }

    /** The mock's vector for the {@code index}-th input: {@code dims} numbers in [0, 1), the same on every wire. */
    static ArrayNode vector(int index, int dims) {
        ArrayNode v = MockJson.array();
        for (int j = 0; j < dims; j++) {
            v.add(((index + 1) * (j + 3) % 97) / 97.0);
        }
        return v;
    }

    private ObjectNode models() {
        ObjectNode root = MockJson.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : List.of("gpt-4o", "gpt-4o-mini", "text-embedding-3-small")) {
            data.addObject().put("id", id).put("object", "model").put("created", 1_700_000_000L)
                    .put("owned_by", "openai");
        }
        return root;
    }

    private ObjectNode response(MockCall call, Script s, String status) {
        ObjectNode r = MockJson.object();
        r.put("id", "resp_mock" + SEQ.incrementAndGet());
        r.put("object", "response");
        r.put("created_at", now());
        r.put("status", status);
        r.putNull("error");
        r.putNull("incomplete_details");
        r.put("model", model(call));
        ArrayNode output = r.putArray("output");
        if (status.equals("completed")) {
            for (ObjectNode item : responseItems(s, true)) {
                output.add(item);
            }
            ObjectNode u = r.putObject("usage");
            u.put("input_tokens", s.promptTokens());
            u.putObject("input_tokens_details").put("cached_tokens", 0);
            u.put("output_tokens", s.completionTokens());
            u.putObject("output_tokens_details").put("reasoning_tokens", 0);
            u.put("total_tokens", s.promptTokens() + s.completionTokens());
        } else {
            r.putNull("usage");
        }
        return r;
    }

    private static List<ObjectNode> responseItems(Script s, boolean done) {
        List<ObjectNode> items = new java.util.ArrayList<>();
        if (!s.text().isEmpty() || s.toolCallList().isEmpty()) {
            ObjectNode m = MockJson.object();
            m.put("id", "msg_mock");
            m.put("type", "message");
            m.put("status", done ? "completed" : "in_progress");
            m.put("role", "assistant");
            ArrayNode content = m.putArray("content");
            if (done) {
                content.add(outputText(s.text()));
            }
            items.add(m);
        }
        int i = 0;
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode f = MockJson.object();
            f.put("id", "fc_mock" + i++);
            f.put("type", "function_call");
            f.put("status", done ? "completed" : "in_progress");
            f.put("call_id", tc.id());
            f.put("name", tc.name());
            f.put("arguments", done ? tc.arguments() : "");
            items.add(f);
        }
        return items;
    }

    private static ObjectNode outputText(String text) {
        ObjectNode p = MockJson.object();
        p.put("type", "output_text");
        p.put("text", text);
        p.putArray("annotations");
        return p;
    }

    @Override
    public List<byte[]> frames(MockCall call) {
        Script s = call.script();
        return switch (op) {
            case CHAT -> chatFrames(s, model(call), includeUsage(call), azure);
            case COMPLETIONS -> completionFrames(call, s);
            case RESPONSES -> responseFrames(call, s);
            default -> throw new IllegalStateException("no stream for " + op);
        };
    }

    private static ObjectNode chunk(String id, long created, String model, boolean usage, ObjectNode delta, String finish) {
        ObjectNode c = MockJson.object();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        c.put("system_fingerprint", "fp_mock");
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        if (usage) {
            c.putNull("usage");
        }
        return c;
    }

    static List<byte[]> chatFrames(Script s, String model, boolean usage, boolean azure) {
        String id = "chatcmpl-mock" + SEQ.incrementAndGet();
        long created = now();
        List<byte[]> frames = MockUpstream.list();
        if (azure) {
            ObjectNode pf = MockJson.object();
            pf.putArray("choices");
            pf.put("created", 0);
            pf.put("id", "");
            pf.put("model", "");
            pf.put("object", "");
            pf.putArray("prompt_filter_results").addObject().put("prompt_index", 0)
                    .putObject("content_filter_results");
            frames.add(MockUpstream.sse(null, MockJson.text(pf)));
        }
        ObjectNode first = MockJson.object();
        first.put("role", "assistant");
        if (s.toolCallList().isEmpty() || !s.text().isEmpty()) {
            first.put("content", "");
        } else {
            first.putNull("content");
        }
        first.putNull("refusal");
        frames.add(MockUpstream.sse(null, MockJson.text(chunk(id, created, model, usage, first, null))));
        for (String piece : s.reasoningPieces()) {
            ObjectNode d = MockJson.object().put("reasoning_content", piece);
            frames.add(MockUpstream.sse(null, MockJson.text(chunk(id, created, model, usage, d, null))));
        }
        for (String piece : s.textPieces()) {
            ObjectNode d = MockJson.object().put("content", piece);
            frames.add(MockUpstream.sse(null, MockJson.text(chunk(id, created, model, usage, d, null))));
        }
        int index = 0;
        for (Script.ToolCall tc : s.toolCallList()) {
            ObjectNode d = MockJson.object();
            ObjectNode t = d.putArray("tool_calls").addObject();
            t.put("index", index);
            t.put("id", tc.id());
            t.put("type", "function");
            t.putObject("function").put("name", tc.name()).put("arguments", "");
            frames.add(MockUpstream.sse(null, MockJson.text(chunk(id, created, model, usage, d, null))));
            for (String piece : Script.split(tc.arguments(), s.deltas())) {
                ObjectNode d2 = MockJson.object();
                ObjectNode t2 = d2.putArray("tool_calls").addObject();
                t2.put("index", index);
                t2.putObject("function").put("arguments", piece);
                frames.add(MockUpstream.sse(null, MockJson.text(chunk(id, created, model, usage, d2, null))));
            }
            index++;
        }
        frames.add(MockUpstream.sse(null,
                MockJson.text(chunk(id, created, model, usage, MockJson.object(), s.canonicalFinishReason()))));
        if (usage) {
            ObjectNode u = MockJson.object();
            u.put("id", id);
            u.put("object", "chat.completion.chunk");
            u.put("created", created);
            u.put("model", model);
            u.put("system_fingerprint", "fp_mock");
            u.putArray("choices");
            u.set("usage", usage(s));
            frames.add(MockUpstream.sse(null, MockJson.text(u)));
        }
        frames.add(MockUpstream.sse(null, "[DONE]"));
        return frames;
    }

    private List<byte[]> completionFrames(MockCall call, Script s) {
        String id = "cmpl-mock" + SEQ.incrementAndGet();
        long created = now();
        String model = model(call);
        boolean usage = includeUsage(call);
        List<byte[]> frames = MockUpstream.list();
        List<String> pieces = s.textPieces();
        for (int i = 0; i <= pieces.size(); i++) {
            boolean last = i == pieces.size();
            ObjectNode c = MockJson.object();
            c.put("id", id);
            c.put("object", "text_completion");
            c.put("created", created);
            ObjectNode choice = c.putArray("choices").addObject();
            choice.put("text", last ? "" : pieces.get(i));
            choice.put("index", 0);
            choice.putNull("logprobs");
            if (last) {
                choice.put("finish_reason", s.canonicalFinishReason());
            } else {
                choice.putNull("finish_reason");
            }
            c.put("model", model);
            if (usage) {
                c.putNull("usage");
            }
            frames.add(MockUpstream.sse(null, MockJson.text(c)));
        }
        if (usage) {
            ObjectNode u = MockJson.object();
            u.put("id", id);
            u.put("object", "text_completion");
            u.put("created", created);
            u.putArray("choices");
            u.put("model", model);
            u.putObject("usage").put("prompt_tokens", s.promptTokens()).put("completion_tokens", s.completionTokens())
                    .put("total_tokens", s.promptTokens() + s.completionTokens());
            frames.add(MockUpstream.sse(null, MockJson.text(u)));
        }
        frames.add(MockUpstream.sse(null, "[DONE]"));
        return frames;
    }

    private List<byte[]> responseFrames(MockCall call, Script s) {
        List<byte[]> frames = MockUpstream.list();
        int[] seq = {0};
        ObjectNode inProgress = response(call, s, "in_progress");
        String respId = inProgress.get("id").asText();
        java.util.function.BiConsumer<String, ObjectNode> emit = (type, data) -> {
            ObjectNode e = MockJson.object();
            e.put("type", type);
            e.put("sequence_number", seq[0]++);
            e.setAll(data);
            frames.add(MockUpstream.sse(type, MockJson.text(e)));
        };
        emit.accept("response.created", (ObjectNode) MockJson.object().set("response", inProgress));
        emit.accept("response.in_progress", (ObjectNode) MockJson.object().set("response", inProgress));
        List<ObjectNode> pending = responseItems(s, false);
        List<ObjectNode> done = responseItems(s, true);
        for (int i = 0; i < pending.size(); i++) {
            ObjectNode item = pending.get(i);
            String itemId = item.get("id").asText();
            emit.accept("response.output_item.added",
                    (ObjectNode) MockJson.object().put("output_index", i).set("item", item));
            if (item.get("type").asText().equals("message")) {
                ObjectNode base = MockJson.object().put("item_id", itemId).put("output_index", i).put("content_index", 0);
                emit.accept("response.content_part.added", (ObjectNode) base.deepCopy().set("part", outputText("")));
                for (String piece : s.textPieces()) {
                    emit.accept("response.output_text.delta", base.deepCopy().put("delta", piece));
                }
                emit.accept("response.output_text.done", base.deepCopy().put("text", s.text()));
                emit.accept("response.content_part.done", (ObjectNode) base.deepCopy().set("part", outputText(s.text())));
            } else {
                String args = done.get(i).get("arguments").asText();
                ObjectNode base = MockJson.object().put("item_id", itemId).put("output_index", i);
                for (String piece : Script.split(args, s.deltas())) {
                    emit.accept("response.function_call_arguments.delta", base.deepCopy().put("delta", piece));
                }
                emit.accept("response.function_call_arguments.done", base.deepCopy().put("arguments", args));
            }
            emit.accept("response.output_item.done",
                    (ObjectNode) MockJson.object().put("output_index", i).set("item", done.get(i)));
        }
        ObjectNode completed = response(call, s, "completed");
        completed.put("id", respId);
        emit.accept("response.completed", (ObjectNode) MockJson.object().set("response", completed));
        return frames;
    }

    @Override
    public byte[] errorEvent(MockCall call) {
        if (op == Op.RESPONSES) {
            ObjectNode e = MockJson.object();
            e.put("type", "error");
            e.put("code", "server_error");
            e.put("message", "mock upstream stream failure");
            e.putNull("param");
            return MockUpstream.sse("error", MockJson.text(e));
        }
        ObjectNode e = MockJson.object();
        e.putObject("error").put("message", "mock upstream stream failure").put("type", "server_error");
        return MockUpstream.sse(null, MockJson.text(e));
    }
}
