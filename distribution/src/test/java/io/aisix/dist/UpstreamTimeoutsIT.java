package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Timeouts as AISIX models set them (issue 19): a deployment default of 600 ms for whole answers
 * and for each stream event, models and routing models that set their own {@code timeout} and
 * {@code stream_timeout} (milliseconds), {@code timeout: 0}, and what a late stream does before
 * and after its first event. Slow upstreams are 1.5 s late: far from every bound on a busy machine.
 */
@Timeout(60)
class UpstreamTimeoutsIT {
    private static final Duration LATE = Duration.ofMillis(1500);

    @RegisterExtension
    static final ParityGateway pg = new ParityGateway("{ timeout_ms: 600, stream_timeout_ms: 600, retries: 0 }");

    private static void assertTimedOut(HttpResponse<String> r) {
        assertEquals(504, r.statusCode(), r.body());
        assertEquals("timeout", GatewayFixture.tree(r.body()).at("/error/code").asText(), r.body());
    }

    @Test
    void aModelsTimeoutReplacesTheDefaultAndZeroSwitchesItOff() {
        pg.model("t-default", "");
        pg.model("t-long", "\"timeout\":10000");
        pg.model("t-off", "\"timeout\":0");
        pg.model("t-short", "\"timeout\":200");

        pg.mock.enqueue(Script.reply("late").firstByteDelay(LATE));
        assertTimedOut(pg.chat("t-default", false));

        pg.mock.enqueue(Script.reply("late but allowed").firstByteDelay(LATE));
        HttpResponse<String> longer = pg.chat("t-long", false);
        assertEquals(200, longer.statusCode(), longer.body());

        pg.mock.enqueue(Script.reply("no deadline").firstByteDelay(LATE));
        HttpResponse<String> off = pg.chat("t-off", false);
        assertEquals(200, off.statusCode(), off.body());
        assertEquals("no deadline", GatewayFixture.tree(off.body()).at("/choices/0/message/content").asText());

        pg.mock.enqueue(Script.reply("late for this model").firstByteDelay(Duration.ofMillis(1000)));
        assertTimedOut(pg.chat("t-short", false));
    }

    @Test
    void aRoutingModelsTimeoutAppliesToMembersWithoutTheirOwn() {
        pg.model("g-member", "");
        pg.model("g-member-own", "\"timeout\":200");
        pg.routing("g-patient", "{\"targets\":[{\"model\":\"g-member\"}]}", "\"timeout\":10000");
        pg.routing("g-own-wins", "{\"targets\":[{\"model\":\"g-member-own\"}]}", "\"timeout\":10000");

        pg.mock.enqueue(Script.reply("waited for").firstByteDelay(LATE));
        HttpResponse<String> patient = pg.chat("g-patient", false);
        assertEquals(200, patient.statusCode(), patient.body());
        assertEquals("g-member", patient.headers().firstValue("x-aisix-served-by").orElseThrow());

        pg.mock.enqueue(Script.reply("too late for the member").firstByteDelay(LATE));
        assertTimedOut(pg.chat("g-own-wins", false));
    }

    @Test
    void aStreamWithoutItsFirstEventInTimeFailsOverBeforeAnyByteReachedTheCaller() {
        pg.model("s1-silent", "");
        pg.model("s1-live", "");
        pg.routing("s1", "{\"targets\":[{\"model\":\"s1-silent\"},{\"model\":\"s1-live\"}]}", "");
        pg.mock.enqueue(Script.reply("never sent").hangAfter(0), Script.reply("from the second target"));
        HttpResponse<String> r = pg.chat("s1", true);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("s1-live", r.headers().firstValue("x-aisix-served-by").orElseThrow());
        assertEquals("from the second target", GatewayFixture.streamedText(r.body()));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertFalse(r.body().contains("event: error"), r.body());
        assertEquals(2, pg.mock.requestCount(), "the first upstream answered 200, then nothing: the second served");

        // the same when not even the answer head comes
        pg.model("s2-silent", "");
        pg.model("s2-live", "");
        pg.routing("s2", "{\"targets\":[{\"model\":\"s2-silent\"},{\"model\":\"s2-live\"}]}", "");
        pg.mock.enqueue(Script.defaults().hang(), Script.reply("second again"));
        HttpResponse<String> again = pg.chat("s2", true);
        assertEquals("second again", GatewayFixture.streamedText(again.body()), again.body());
    }

    @Test
    void aStreamThatStallsAfterItsFirstEventEndsWithAnErrorEventAndNoFallback() {
        pg.model("st-a", "\"stream_timeout\":400");
        pg.model("st-b", "");
        pg.routing("st", "{\"targets\":[{\"model\":\"st-a\"},{\"model\":\"st-b\"}]}", "");
        pg.mock.enqueue(Script.reply("one two three four").deltas(4).hangAfter(2), Script.reply("never used"));
        HttpResponse<String> r = pg.chat("st", true);
        assertEquals(200, r.statusCode());
        assertFalse(GatewayFixture.events(r.body().substring(0, r.body().indexOf("event: error"))).isEmpty(),
                "events came before the stall: " + r.body());
        assertTrue(r.body().contains("event: error") && r.body().contains("\"code\":\"timeout\""), r.body());
        assertFalse(r.body().contains("[DONE]"));
        assertEquals(1, pg.mock.requestCount(), "after the first byte nothing falls over");

        // the caller's protocol: Anthropic's error event on /v1/messages
        pg.mock.reset();
        pg.model("st-messages", "\"stream_timeout\":400");
        pg.mock.enqueue(Script.reply("one two three four").deltas(4).hangAfter(2));
        HttpResponse<String> m = pg.messages("st-messages", true);
        assertEquals(200, m.statusCode());
        assertTrue(m.body().contains("event: message_start"), m.body());
        assertTrue(m.body().contains("event: error") && m.body().contains("\"type\":\"timeout_error\""), m.body());
        assertFalse(m.body().contains("message_stop"), m.body());
    }

    @Test
    void aModelsStreamTimeoutReplacesTheDefaultGap() {
        Script slow = Script.reply("a b c").deltas(3).deltaDelay(Duration.ofMillis(1000));
        pg.model("gap-patient", "\"stream_timeout\":5000");
        pg.model("gap-default", "");
        pg.routing("gap-group", "{\"targets\":[{\"model\":\"gap-default\"}]}", "\"stream_timeout\":5000");

        pg.mock.enqueue(slow);
        HttpResponse<String> patient = pg.chat("gap-patient", true);
        assertEquals("a b c", GatewayFixture.streamedText(patient.body()).trim(), patient.body());
        assertTrue(patient.body().endsWith("data: [DONE]\n\n"), patient.body());

        pg.mock.enqueue(slow);
        HttpResponse<String> grouped = pg.chat("gap-group", true);
        assertTrue(grouped.body().endsWith("data: [DONE]\n\n"), "the routing model's stream_timeout: " + grouped.body());

        pg.mock.enqueue(slow);
        HttpResponse<String> cut = pg.chat("gap-default", true);
        assertTrue(cut.body().contains("event: error") && cut.body().contains("timeout"), cut.body());
    }
}
