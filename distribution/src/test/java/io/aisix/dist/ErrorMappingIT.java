package io.aisix.dist;

import static io.aisix.dist.ParityGateway.UPSTREAM_SECRET;
import static io.aisix.dist.ParityGateway.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Provider-side failures the operator must fix are told apart from the caller's and the
 * upstream's (issue 19): a provider key the adapter cannot use is a 400 naming the key, refused
 * provider credentials a 401 {@code authentication_error}; both are logged with the request ids
 * (the gateway's and the upstream's) and never the secret.
 */
@Timeout(60)
class ErrorMappingIT {
    private static final String PROVIDER_LOGS = "io.aisix.providerkit";

    @RegisterExtension
    static final ParityGateway pg = new ParityGateway("{ retries: 2 }");

    private static JsonNode error(HttpResponse<String> r) {
        return GatewayFixture.tree(r.body()).path("error");
    }

    @Test
    void anOpenAiCompatibleKeyWithoutApiBaseIsA400NamingTheKey() {
        String key = pg.fx.create("provider_keys", """
                {"display_name":"deepseek-no-base","provider":"deepseek","adapter":"openai","api_key":"sk-ds-secret-5678"}""");
        pg.fx.create("models", "{\"display_name\":\"ds-chat\",\"provider_key_id\":\"" + key
                + "\",\"model_name\":\"deepseek-chat\"}");
        try (LogCapture log = LogCapture.of(PROVIDER_LOGS)) {
            HttpResponse<String> r = pg.chat("ds-chat", false);
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("invalid_request_error", error(r).path("type").asText());
            assertEquals("provider_key_unusable", error(r).path("code").asText());
            assertTrue(error(r).path("message").asText().contains("'deepseek-no-base'")
                    && error(r).path("message").asText().contains("api_base"), r.body());
            assertTrue(log.contains("'deepseek-no-base'") && log.contains(requestId(r)), log.toString());
            assertFalse(log.contains("sk-ds-secret-5678") || r.body().contains("sk-ds-secret-5678"));
        }
        assertEquals(0, pg.mock.requestCount(), "a deepseek key is never sent to OpenAI's default base");
    }

    @Test
    void refusedProviderCredentialsAreA401AuthenticationError() {
        pg.model("locked", "");
        pg.mock.enqueue(Script.fail(401).errorMessage("Incorrect API key provided: sk-upst*****7654")
                .header("x-request-id", "req_upstream_401"));
        try (LogCapture log = LogCapture.of(PROVIDER_LOGS)) {
            HttpResponse<String> r = pg.chat("locked", false);
            assertEquals(401, r.statusCode(), r.body());
            assertEquals("authentication_error", error(r).path("type").asText());
            assertEquals("upstream_auth_failed", error(r).path("code").asText());
            assertTrue(error(r).path("message").asText().contains("'mock-openai'"), r.body());
            assertFalse(r.body().contains("Incorrect API key"), "the upstream's body may quote the key");
            assertEquals(1, pg.mock.requestCount(), "not retried: the same key would be refused again");
            assertTrue(log.contains("req_upstream_401") && log.contains(requestId(r)) && log.contains("'mock-openai'"),
                    log.toString());
            assertFalse(log.contains(UPSTREAM_SECRET) || log.contains("Incorrect API key"), log.toString());
            JsonNode event = pg.usageEvent(requestId(r));
            assertEquals(401, event.at("/upstream_attempts/0/status").asInt());
            assertEquals("req_upstream_401", event.at("/upstream_attempts/0/provider_request_id").asText());
        }

        // 403 the same, in the Anthropic envelope on /v1/messages
        pg.model("forbidden", "");
        pg.mock.enqueue(Script.fail(403).header("request-id", "req_upstream_403"));
        HttpResponse<String> m = pg.messages("forbidden", false);
        assertEquals(401, m.statusCode(), m.body());
        JsonNode body = GatewayFixture.tree(m.body());
        assertEquals("error", body.path("type").asText());
        assertEquals("authentication_error", body.at("/error/type").asText());
    }
}
