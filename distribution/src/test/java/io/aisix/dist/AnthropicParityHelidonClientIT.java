package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link AnthropicParityIT} with {@code upstream.client: helidon}, {@code http2: true} and
 * {@code http2_prior_knowledge: true} (issue 21): the same providers, SDK calls and streams through
 * Helidon's WebClient, over HTTP/2 (h2c) to the mock; see {@link ParityGateway#upstreamFor}.
 */
class AnthropicParityHelidonClientIT extends AnthropicParityIT {
    @Test
    void theUpstreamCallsAreHelidonsOverHttp2() {
        p.mock.enqueue(Script.reply("Bonjour."));
        HttpResponse<String> r = p.messages("claude", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Helidon", p.mock.lastRequest().header("user-agent").orElse("none").split(" ")[0]);
        assertEquals(Set.of("2.0"), p.mock.protocolVersions(), "over HTTP/2 (h2c, prior knowledge)");
    }
}
