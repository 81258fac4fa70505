package io.aisix.dist;

import static io.aisix.dist.ParityGateway.requestId;
import static io.aisix.dist.ParityGateway.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Failover and routing as AISIX rows configure them (issue 19): a target's {@code retries} before
 * the next target, priority tiers, {@code fallback_on_statuses}, and every try visible in the
 * metrics and the usage event while the request itself counts once, as the 200 it ended with.
 * Each test uses aliases of its own, so one test's cooldowns never steer another's.
 */
@Timeout(60)
class FailoverRoutingIT {
    @RegisterExtension
    static final ParityGateway pg = new ParityGateway("{ retries: 2 }");

    private static String content(HttpResponse<String> r) {
        return GatewayFixture.tree(r.body()).at("/choices/0/message/content").asText();
    }

    @Test
    void retriesOnTheCurrentTargetComeFirstAndEveryTryIsRecorded() {
        pg.model("rt-a", "\"retries\":2");
        pg.model("rt-b", "");
        pg.routing("rt", "{\"strategy\":\"failover\",\"targets\":[{\"model\":\"rt-a\"},{\"model\":\"rt-b\"}]}", "");
        pg.mock.enqueue(Script.fail(500).header("x-request-id", "up-req-1"), Script.fail(500), Script.fail(500),
                Script.reply("rescued").header("x-request-id", "up-req-4"));

        HttpResponse<String> r = pg.chat("rt", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("rescued", content(r));
        assertEquals("rt-b", r.headers().firstValue("x-aisix-served-by").orElseThrow());
        assertEquals(4, pg.mock.requestCount(), "rt-a three times (1 + retries: 2), then rt-b");

        String m = pg.metricsWhen(1, "aisix_requests_total", "model", "rt", "status", "200");
        assertEquals(1, value(m, "aisix_requests_total", "model", "rt", "status", "200"));
        assertEquals(-1, value(m, "aisix_requests_total", "model", "rt", "status", "500"),
                "the request counts once, as what the caller got");
        assertEquals(3, value(m, "aisix_upstream_attempts_total", "model", "rt-a", "provider", "openai",
                "status", "500"));
        assertEquals(1, value(m, "aisix_upstream_attempts_total", "model", "rt-b", "provider", "openai",
                "status", "200"));

        JsonNode event = pg.usageEvent(requestId(r));
        assertEquals(200, event.path("status").asInt());
        assertEquals(4, event.path("attempts").asInt());
        List<Integer> statuses = new ArrayList<>();
        event.path("upstream_attempts").forEach(a -> statuses.add(a.path("status").asInt()));
        assertEquals(List.of(500, 500, 500, 200), statuses);
        JsonNode failed = event.at("/upstream_attempts/0");
        assertEquals("rt-a", failed.path("model").asText());
        assertEquals("openai", failed.path("provider").asText());
        assertEquals("up-rt-a", failed.path("upstream_model").asText());
        assertEquals("upstream_error", failed.path("error_code").asText());
        assertEquals("up-req-1", failed.path("provider_request_id").asText());
        assertEquals("rt-b", event.at("/upstream_attempts/3/model").asText());
        assertEquals("up-req-4", event.at("/upstream_attempts/3/provider_request_id").asText());
    }

    @Test
    void aStreamRescuedBeforeItsFirstEventShowsTheFailedTry() {
        pg.model("sr-a", "\"stream_timeout\":300");
        pg.model("sr-b", "");
        pg.routing("sr", "{\"targets\":[{\"model\":\"sr-a\"},{\"model\":\"sr-b\"}]}", "");
        pg.mock.enqueue(Script.reply("x").errorEventAfter(0), Script.reply("streamed rescue"));
        HttpResponse<String> r = pg.chat("sr", true);
        assertEquals("streamed rescue", GatewayFixture.streamedText(r.body()), r.body());
        JsonNode event = pg.usageEvent(requestId(r));
        assertEquals(2, event.path("upstream_attempts").size(), event.toString());
        assertEquals("sr-a", event.at("/upstream_attempts/0/model").asText());
        assertEquals(502, event.at("/upstream_attempts/0/status").asInt(), "an error event instead of the first chunk");
        assertEquals(200, event.at("/upstream_attempts/1/status").asInt());
        assertEquals(200, event.path("status").asInt());
    }

    @Test
    void theBackupTierAbsorbsTheFailureOfTheActiveTier() {
        pg.model("tier-active", "");
        pg.model("tier-backup", "");
        // declared backup first: the tier, not the order, decides
        pg.routing("tier", "{\"targets\":[{\"model\":\"tier-backup\",\"priority\":-1},{\"model\":\"tier-active\"}]}",
                "");
        pg.mock.enqueue(Script.reply("active"));
        HttpResponse<String> healthy = pg.chat("tier", false);
        assertEquals("tier-active", healthy.headers().firstValue("x-aisix-served-by").orElseThrow());

        pg.mock.enqueue(Script.fail(503), Script.reply("backup"));
        HttpResponse<String> rescued = pg.chat("tier", false);
        assertEquals(200, rescued.statusCode(), rescued.body());
        assertEquals("tier-backup", rescued.headers().firstValue("x-aisix-served-by").orElseThrow());
        assertEquals("backup", content(rescued));
    }

    @Test
    void fallbackOnStatusesOptsInToFailoverOnListedClientErrors() {
        pg.model("fs-a", "");
        pg.model("fs-b", "");
        pg.model("fs-c", "");
        pg.model("fs-d", "");
        pg.routing("fs-listed", "{\"targets\":[{\"model\":\"fs-a\"},{\"model\":\"fs-b\"}],\"retries\":0,"
                + "\"fallback_on_statuses\":[409]}", "");
        pg.routing("fs-unlisted", "{\"targets\":[{\"model\":\"fs-c\"},{\"model\":\"fs-d\"}],\"retries\":0}", "");

        pg.mock.enqueue(Script.fail(409).errorMessage("queue full"), Script.reply("from b"));
        HttpResponse<String> listed = pg.chat("fs-listed", false);
        assertEquals(200, listed.statusCode(), listed.body());
        assertEquals("fs-b", listed.headers().firstValue("x-aisix-served-by").orElseThrow());

        pg.mock.reset();
        pg.mock.enqueue(Script.fail(409).errorMessage("queue full"));
        HttpResponse<String> unlisted = pg.chat("fs-unlisted", false);
        assertEquals(409, unlisted.statusCode(), unlisted.body());
        assertEquals("queue full", GatewayFixture.tree(unlisted.body()).at("/error/message").asText());
        assertEquals(1, pg.mock.requestCount(), "an unlisted 4xx is the caller's answer");
    }
}
