package io.aisix.plugin.vertex;

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

/** The Vertex adapter's contract through a real gateway: a service account's tokens minted by the mock's OAuth2 endpoint. */
@Timeout(60)
class VertexContractIT {
    static final String CALLER = "sk-caller-vertex-0123456789";

    @TempDir
    Path dir;
    MockUpstream mock;
    TestGateway gw;
    GatewayFixture fx;
    String privateKey;

    @BeforeEach
    void start() throws Exception {
        mock = MockUpstream.start();
        gw = TestGateway.start(dir, "", null);
        fx = new GatewayFixture(gw);
        ObjectNode sa = (ObjectNode) GatewayFixture.JSON.readTree(
                mock.vertexServiceAccount("gw@proj-1.iam.gserviceaccount.com", "proj-1"));
        privateKey = sa.path("private_key").asText();
        sa.put("region", "europe-west1");
        ObjectNode k = GatewayFixture.JSON.createObjectNode().put("display_name", "gcp").put("provider", "vertex")
                .put("api_base", mock.baseUrl()).put("api_key", sa.toString());
        String pk = fx.create("provider_keys", k.toString());
        fx.create("models", "{\"display_name\":\"gemini\",\"provider_key_id\":\"" + pk
                + "\",\"model_name\":\"gemini-2.5-flash\"}");
        fx.create("models", "{\"display_name\":\"claude\",\"provider_key_id\":\"" + pk
                + "\",\"model_name\":\"claude-sonnet-4@20250514\"}");
        fx.apiKey(CALLER);
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
    void theServiceAccountIsMaskedOnRead() {
        String body = gw.adminCall("GET", "/admin/v1/provider_keys", null).body();
        assertFalse(body.contains("PRIVATE KEY"), body);
        assertFalse(body.contains(privateKey.substring(40, 80)), body);
    }

    @Test
    void geminiAndClaudeOnVertexWithOneCachedToken() {
        mock.enqueue(Script.reply("Gemini says hi"));
        HttpResponse<String> r = fx.chat(CALLER, "{\"model\":\"gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = GatewayFixture.tree(r.body());
        assertEquals("gemini", c.path("model").asText());
        assertEquals("Gemini says hi", c.at("/choices/0/message/content").asText());
        assertEquals("/v1/projects/proj-1/locations/europe-west1/publishers/google/models/gemini-2.5-flash:generateContent",
                mock.lastRequest().path());

        mock.enqueue(Script.reply("Claude streams").deltas(2));
        HttpResponse<String> s = fx.chat(CALLER, "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":20,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, s.statusCode(), s.body());
        assertEquals("Claude streams", GatewayFixture.streamedText(s.body()));
        assertTrue(s.body().contains("data: [DONE]"));
        assertTrue(mock.lastRequest().path().endsWith(":streamRawPredict"));
        assertEquals(1, mock.tokensIssued(), "one token served both calls");
    }

    @Test
    void vertexErrorsReachTheCallerInTheOpenAiEnvelope() {
        mock.enqueue(Script.fail(429).errorMessage("Resource exhausted").retryAfter("1"));
        HttpResponse<String> r = fx.chat(CALLER, "{\"model\":\"gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("Resource exhausted", GatewayFixture.tree(r.body()).at("/error/message").asText());
    }
}
