package io.aisix.plugin.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Bedrock adapter's contract through a real gateway: Admin API resources, proxy calls, SigV4 checked by the mock. */
@Timeout(60)
class BedrockContractIT {
    static final String AKID = "AKIACONTRACT0EXAMPLE";
    static final String SECRET = "contract/secret/0123456789abcdefghijklmn";
    static final String CALLER = "sk-caller-bedrock-0123456789";

    @TempDir
    Path dir;
    MockUpstream mock;
    TestGateway gw;
    GatewayFixture fx;

    @BeforeEach
    void start() throws Exception {
        mock = MockUpstream.start().requireAwsCredentials(AKID, SECRET, null);
        gw = TestGateway.start(dir, "", null);
        fx = new GatewayFixture(gw);
        String pk = fx.create("provider_keys", key("aws-prod", SECRET));
        String bad = fx.create("provider_keys", key("aws-stale", "an-old-secret-that-was-rotated-00000000"));
        fx.create("models", "{\"display_name\":\"nova\",\"provider_key_id\":\"" + pk
                + "\",\"model_name\":\"amazon.nova-pro-v1:0\"}");
        fx.create("models", "{\"display_name\":\"claude\",\"provider_key_id\":\"" + pk
                + "\",\"model_name\":\"us.anthropic.claude-3-5-haiku-20241022-v1:0\"}");
        fx.create("models", "{\"display_name\":\"titan\",\"provider_key_id\":\"" + pk
                + "\",\"model_name\":\"amazon.titan-embed-text-v2:0\"}");
        fx.create("models", "{\"display_name\":\"stale\",\"provider_key_id\":\"" + bad
                + "\",\"model_name\":\"amazon.nova-pro-v1:0\"}");
        fx.apiKey(CALLER);
    }

    String key(String name, String secret) {
        ObjectNode creds = GatewayFixture.JSON.createObjectNode().put("access_key_id", AKID)
                .put("secret_access_key", secret).put("region", "us-east-1");
        ObjectNode k = GatewayFixture.JSON.createObjectNode().put("display_name", name).put("provider", "bedrock")
                .put("api_base", mock.baseUrl()).put("api_key", creds.toString());
        return k.toString();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (mock != null) {
            mock.close();
        }
    }

    @Test
    void theCredentialsJsonIsMaskedOnRead() {
        String body = gw.adminCall("GET", "/admin/v1/provider_keys", null).body();
        assertFalse(body.contains(SECRET), body);
        assertFalse(body.contains(AKID), body);
    }

    @Test
    void chatStreamAndEmbeddings() {
        mock.enqueue(Script.reply("Hello from Nova").usage(10, 3));
        HttpResponse<String> r = fx.chat(CALLER, "{\"model\":\"nova\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = GatewayFixture.tree(r.body());
        assertEquals("nova", c.path("model").asText());
        assertEquals("Hello from Nova", c.at("/choices/0/message/content").asText());
        assertEquals(13, c.at("/usage/total_tokens").asInt());
        assertTrue(mock.lastRequest().header("authorization").orElseThrow().startsWith("AWS4-HMAC-SHA256"));

        mock.enqueue(Script.reply("one two three").deltas(3));
        HttpResponse<String> s = fx.chat(CALLER, "{\"model\":\"claude\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}");
        assertEquals(200, s.statusCode(), s.body());
        assertTrue(s.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertEquals("one two three", GatewayFixture.streamedText(s.body()));
        assertTrue(s.body().contains("data: [DONE]"));
        assertTrue(mock.lastRequest().path().endsWith("/converse-stream"));

        HttpResponse<String> e = fx.post("/v1/embeddings", CALLER, "{\"model\":\"titan\",\"input\":\"hello\"}");
        assertEquals(200, e.statusCode(), e.body());
        assertEquals("titan", GatewayFixture.tree(e.body()).path("model").asText());
        assertEquals(8, GatewayFixture.tree(e.body()).at("/data/0/embedding").size());
    }

    @Test
    void aRefusedSignatureIsA401NamingTheKey() {
        HttpResponse<String> r = fx.chat(CALLER, "{\"model\":\"stale\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(401, r.statusCode(), r.body());
        JsonNode err = GatewayFixture.tree(r.body()).path("error");
        assertEquals("upstream_auth_failed", err.path("code").asText());
        assertTrue(err.path("message").asText().contains("aws-stale"), r.body());
        assertFalse(r.body().contains("rotated"));
    }

    @Test
    void awsErrorsReachTheCallerInTheOpenAiEnvelope() {
        mock.enqueue(Script.fail(429).errorMessage("Too many requests"), Script.fail(400).errorMessage("bad temperature"));
        HttpResponse<String> throttled = fx.chat(CALLER, "{\"model\":\"nova\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(429, throttled.statusCode(), throttled.body());
        assertEquals("rate_limit_exceeded", GatewayFixture.tree(throttled.body()).at("/error/type").asText());
        HttpResponse<String> invalid = fx.chat(CALLER, "{\"model\":\"nova\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, invalid.statusCode(), invalid.body());
        assertEquals("bad temperature", GatewayFixture.tree(invalid.body()).at("/error/message").asText());
    }
}
