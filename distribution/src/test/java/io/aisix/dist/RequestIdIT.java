package io.aisix.dist;

import static io.aisix.dist.ParityGateway.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * A caller's id becomes the request id (issue 19): {@code x-aisix-request-id}, else
 * {@code x-request-id}, when it is 1-256 visible ASCII characters; it is echoed, sent with every
 * upstream try, and carried by the access log and the usage event of every try. Otherwise a
 * UUID is generated.
 */
@Timeout(60)
class RequestIdIT {
    @RegisterExtension
    static final ParityGateway pg = new ParityGateway("{ retries: 0 }");

    @BeforeAll
    static void models() {
        pg.model("rid-a", "");
        pg.model("rid-b", "");
        pg.routing("rid", "{\"targets\":[{\"model\":\"rid-a\"},{\"model\":\"rid-b\"}]}", "");
    }

    @Test
    void aCallersIdIsTheRequestIdEverywhere() {
        try (LogCapture access = LogCapture.of("aisix.access")) {
            pg.mock.enqueue(Script.fail(502), Script.reply("ok"));
            HttpResponse<String> r = pg.chat("rid", false, "x-aisix-request-id", "caller-trace/42:a",
                    "x-request-id", "from-an-ingress");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("caller-trace/42:a", requestId(r), "x-aisix-request-id wins over x-request-id");
            for (RecordedRequest up : pg.mock.requests()) {
                assertEquals("caller-trace/42:a", up.header("x-aisix-request-id").orElseThrow(), "every try sends it");
            }
            assertEquals(2, pg.mock.requests().size());
            ParityGateway.await(() -> access.contains("\"request_id\":\"caller-trace/42:a\""), "the access-log line");
        }
        JsonNode event = pg.usageEvent("caller-trace/42:a");
        assertEquals(2, event.path("upstream_attempts").size(), "both tries are in the request's event");
        assertEquals(502, event.at("/upstream_attempts/0/status").asInt());
    }

    @Test
    void xRequestIdIsTakenWhenNoAisixIdIsSent() {
        pg.mock.enqueue(Script.reply("streamed"));
        HttpResponse<String> r = pg.chat("rid", true, "x-request-id", "ingress-7f3a");
        assertEquals("ingress-7f3a", requestId(r));
        assertEquals("ingress-7f3a", pg.mock.lastRequest().header("x-aisix-request-id").orElseThrow());
        assertEquals(1, pg.usageEvent("ingress-7f3a").path("upstream_attempts").size());
    }

    @Test
    void anUnusableIdIsReplacedByAGeneratedOne() {
        for (String bad : new String[] {"has spaces", "x".repeat(257), "with\ttab"}) {
            pg.mock.reset();
            pg.mock.enqueue(Script.reply("ok"));
            HttpResponse<String> r = pg.chat("rid", false, "x-aisix-request-id", bad);
            assertEquals(200, r.statusCode(), r.body());
            String id = requestId(r);
            assertNotEquals(bad, id);
            assertEquals(4, UUID.fromString(id).version());
            assertEquals(id, pg.mock.lastRequest().header("x-aisix-request-id").orElseThrow());
        }
    }
}
