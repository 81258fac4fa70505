package io.aisix.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.MockUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/**
 * A gateway with every built-in plugin (as shipped) in front of the testkit mock upstream, with a
 * provider key per adapter, direct aliases per adapter, a routing alias and caller keys.
 */
final class GatewayFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALLER = "sk-caller-0123456789";
    static final String LIMITED = "sk-limited-0123456789";

    final MockUpstream mock = MockUpstream.start();
    final TestGateway gw;

    GatewayFixture(Path dir) throws IOException {
        gw = TestGateway.start(dir, "upstream: { retries: 1, stream_idle_timeout_ms: 1500 }\n", null);
        String openai = create("provider_keys", """
                {"display_name":"openai","provider":"openai","api_key":"sk-up-openai-123456","api_base":"%s"}"""
                .formatted(mock.openAiBase()));
        String anthropic = create("provider_keys", """
                {"display_name":"anthropic","provider":"anthropic","api_key":"sk-up-ant-123456","api_base":"%s"}"""
                .formatted(mock.baseUrl()));
        String gemini = create("provider_keys", """
                {"display_name":"gemini","provider":"gemini","api_key":"g-up-123456789","api_base":"%s"}"""
                .formatted(mock.baseUrl()));
        String azure = create("provider_keys", """
                {"display_name":"azure","provider":"azure-openai","api_key":"az-up-123456789","api_base":"%s","api_version":"2024-10-21"}"""
                .formatted(mock.baseUrl()));
        String deepseek = create("provider_keys", """
                {"display_name":"deepseek","provider":"deepseek","adapter":"openai","api_key":"sk-up-ds-123456","api_base":"%s"}"""
                .formatted(mock.openAiBase()));
        model("gpt", openai, "gpt-4o");
        model("claude", anthropic, "claude-sonnet-4");
        model("gem", gemini, "gemini-2.5-flash");
        model("az", azure, "my-deployment");
        model("ds", deepseek, "deepseek-chat");
        model("emb", openai, "text-embedding-3-small");
        model("openai/*", openai, "*");
        create("models", """
                {"display_name":"smart","routing":{"strategy":"failover","targets":[{"model":"gpt"},{"model":"claude"}]}}""");
        create("api_keys", "{\"display_name\":\"app\",\"key\":\"" + CALLER + "\"}");
        create("api_keys", "{\"display_name\":\"limited\",\"key\":\"" + LIMITED + "\",\"allowed_models\":[\"gpt\"]}");
        awaitModel("smart");
    }

    /** The id of the row of {@code kind} whose {@code display_name} is {@code name}. */
    String idOf(String kind, String name) {
        for (JsonNode row : read(gw.adminCall("GET", "/admin/v1/" + kind, null).body())) {
            if (row.at("/value/display_name").asText().equals(name)) {
                return row.get("id").asText();
            }
        }
        throw new IllegalStateException("no " + kind + " named " + name);
    }

    /** A failover routing alias over fresh direct aliases (no cooldown shared with other tests). */
    void routing(String alias, String... targets) {
        String key = idOf("provider_keys", "openai");
        StringBuilder t = new StringBuilder();
        for (String target : targets) {
            model(target, key, "gpt-4o");
            t.append(t.isEmpty() ? "" : ",").append("{\"model\":\"").append(target).append("\"}");
        }
        create("models", "{\"display_name\":\"" + alias + "\",\"routing\":{\"targets\":[" + t + "]}}");
        awaitModel(alias);
    }

    private void model(String alias, String keyId, String upstream) {
        create("models", "{\"display_name\":\"" + alias + "\",\"provider_key_id\":\"" + keyId + "\",\"model_name\":\""
                + upstream + "\"}");
    }

    String create(String kind, String json) {
        HttpResponse<String> r = gw.adminCall("POST", "/admin/v1/" + kind, json);
        if (r.statusCode() != 201) {
            throw new IllegalStateException(kind + ": " + r.statusCode() + " " + r.body());
        }
        return read(r.body()).get("id").asText();
    }

    private void awaitModel(String alias) {
        for (int i = 0; i < 500; i++) {
            if (post("/v1/chat/completions", CALLER, "{\"model\":\"nope-" + i + "\",\"messages\":[]}").statusCode() == 404
                    && gw.gateway.snapshots().current().snapshot().all(io.aisix.support.resource.CoreKinds.MODELS).values()
                    .stream().anyMatch(m -> m.displayName().equals(alias))) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("model " + alias + " never appeared");
    }

    String base() {
        return gw.proxy("");
    }

    HttpResponse<String> post(String path, String key, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.proxy(path)))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b);
    }

    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        gw.close();
        mock.close();
    }
}
