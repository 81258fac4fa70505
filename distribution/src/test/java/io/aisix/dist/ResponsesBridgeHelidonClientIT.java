package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.openai.models.responses.ResponseCreateParams;
import io.aisix.testkit.Script;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link ResponsesBridgeIT} with {@code upstream.client: helidon}, {@code http2: true} and
 * {@code http2_prior_knowledge: true} (issue 21): the same providers, SDK calls and streams through
 * Helidon's WebClient, over HTTP/2 (h2c) to the mock; see {@link ParityGateway#upstreamFor}.
 */
class ResponsesBridgeHelidonClientIT extends ResponsesBridgeIT {
    @Test
    void theUpstreamCallsAreHelidons() {
        p.mock.enqueue(Script.reply("Paris.").usage(11, 2));
        sdk.responses().create(ResponseCreateParams.builder().model("ds-chat").input("Capital of France?").build());
        assertEquals("Helidon", p.mock.lastRequest().header("user-agent").orElse("none").split(" ")[0]);
        assertEquals(Set.of("2.0"), p.mock.protocolVersions(), "over HTTP/2 (h2c, prior knowledge)");
    }
}
