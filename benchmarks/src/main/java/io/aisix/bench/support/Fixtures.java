package io.aisix.bench.support;

import io.aisix.spi.Headers;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Digests;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration and traffic the benchmarks share with the load harness
 * ({@code benchmarks/load/run.sh} creates the same resources through the Admin API): one OpenAI
 * provider key, the direct alias {@code bench}, a caller key with rate limits far above any load,
 * a model-scoped rate-limit policy, two input guardrails (keyword and PII), and a cache policy.
 */
public final class Fixtures {
    /** The caller key every benchmark request presents. */
    public static final String CALLER_KEY = "sk-bench-0123456789abcdef0123";

    private Fixtures() {
    }

    /** The full policy configuration: kind name to (id to stored JSON). */
    public static Map<String, Map<String, String>> policyRows() {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        rows.put("provider_keys", Map.of("pk-mock", """
                {"display_name":"mock","provider":"openai","api_key":"sk-mock-upstream-0123456789",\
                "api_base":"http://127.0.0.1:9/v1"}"""));
        rows.put("models", Map.of("m-bench", """
                {"display_name":"bench","provider_key_id":"pk-mock","model_name":"gpt-4o-mini"}"""));
        rows.put("api_keys", Map.of("k-bench", callerKeyRow("bench", CALLER_KEY)));
        rows.put("rate_limit_policies", Map.of("rl-model", """
                {"name":"bench-model","scope":"model","window":"minute","max_requests":1000000000}"""));
        rows.put("guardrails", Map.of("g-keywords", """
                {"name":"bench-keywords","kind":"keyword","hook_point":"input","patterns":[\
                {"kind":"literal","value":"ignore all previous instructions"},{"kind":"literal","value":"system prompt"},\
                {"kind":"literal","value":"developer mode"},{"kind":"regex","value":"(?i)\\\\bjail ?break\\\\b"}]}""",
                "g-pii", """
                {"name":"bench-pii","kind":"pii","hook_point":"input","detectors":[{"type":"email"},{"type":"phone"},\
                {"type":"credit_card"},{"type":"us_ssn"},{"type":"api_key"}]}"""));
        rows.put("cache_policies", Map.of("c-bench", """
                {"name":"bench","backend":"memory","ttl_seconds":300,"applies_to":"all","scope":"api_key"}"""));
        return rows;
    }

    /** An {@code api_keys} row for a plaintext key, with the harness's rate limits. */
    public static String callerKeyRow(String name, String key) {
        return "{\"display_name\":\"" + name + "\",\"key_hash\":\"" + Digests.sha256Hex(key) + "\",\"allowed_models\":[\"*\"],"
                + "\"rate_limit\":{\"rpm\":1000000000,\"tpm\":1000000000000,\"concurrency\":100000}}";
    }


    /** The chat request of the load harness's wrk script (about 300 bytes). */
    public static byte[] chatRequest(String model, String tag) {
        return ("{\"model\":\"" + model + "\",\"max_tokens\":64,\"temperature\":0.2,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are a concise assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"Request " + tag + ": summarise the plot of a short story about a "
                + "lighthouse keeper in one sentence.\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** An OpenAI {@code chat.completion} as the testkit mock sends it. */
    public static byte[] chatCompletion(String model, String text) {
        return ("{\"id\":\"chatcmpl-mock1\",\"object\":\"chat.completion\",\"created\":1764150000,\"model\":\"" + model
                + "\",\"system_fingerprint\":\"fp_mock\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + text + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + usage() + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String usage() {
        return "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
    }

    /**
     * An OpenAI chat stream as the mock sends it: a role chunk, {@code deltas} content chunks, the
     * finish chunk, the usage chunk and {@code [DONE]} ({@code deltas + 4} events).
     */
    public static byte[] chatStream(String model, int deltas) {
        String head = "{\"id\":\"chatcmpl-mock1\",\"object\":\"chat.completion.chunk\",\"created\":1764150000,\"model\":\""
                + model + "\",\"system_fingerprint\":\"fp_mock\",\"choices\":[";
        StringBuilder b = new StringBuilder();
        b.append("data: ").append(head)
                .append("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < deltas; i++) {
            b.append("data: ").append(head).append("{\"index\":0,\"delta\":{\"content\":\"word").append(i % 10)
                    .append(" \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        b.append("data: ").append(head).append("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
        b.append("data: ").append(head.replace("\"choices\":[", "\"choices\":[],")).append(usage())
                .append("}\n\n");
        b.append("data: [DONE]\n\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An upstream that answers every request at once with a canned body (a stream when asked for one). */
    public static UpstreamClient cannedUpstream(byte[] json, byte[] stream) {
        return request -> new Canned(request.stream() ? stream : json, request.stream());
    }

    private static final class Canned implements UpstreamResponse {
        private final byte[] body;
        private final Headers headers;
        private final InputStream in;

        Canned(byte[] body, boolean stream) {
            this.body = body;
            this.headers = Headers.of("content-type", stream ? "text/event-stream" : "application/json");
            this.in = new ByteArrayInputStream(body);
        }

        @Override
        public int status() {
            return 200;
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public InputStream body() {
            return in;
        }

        @Override
        public byte[] readAll() {
            return body.clone();
        }

        @Override
        public void close() {
        }
    }
}
