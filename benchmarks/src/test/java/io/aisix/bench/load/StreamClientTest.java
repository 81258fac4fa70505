package io.aisix.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness's stream client against the testkit's mock upstream (chunked OpenAI streams): it
 * must count clean streams and their events, and report every way a stream can fail instead of
 * counting it as completed.
 */
@Timeout(60)
class StreamClientTest {
    private static final int DELTAS = 8;
    private MockUpstream mock;

    @BeforeEach
    void start() {
        mock = MockUpstream.start().defaultScript(Script.reply(MockMain.text(DELTAS)).deltas(DELTAS)
                .deltaDelay(Duration.ofMillis(5)));
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    private ObjectNode run(int streams, long timeoutMs) throws Exception {
        return StreamClient.run("127.0.0.1", mock.port(), "/v1/chat/completions", null, "gpt-4o-mini", streams, 100,
                timeoutMs);
    }

    @Test
    void cleanStreamsAreCountedWithEveryEvent() throws Exception {
        ObjectNode r = run(6, 20_000);
        assertEquals(6, r.path("completed").asInt(), r.toString());
        assertEquals(0, r.path("failed").asInt());
        int perStream = r.path("events").asInt() / 6;
        assertTrue(perStream >= DELTAS && r.path("events").asInt() % 6 == 0, "deltas plus role and finish: " + r);
        assertTrue(r.path("ttft_ms").path("p50").asDouble() > 0);
        assertTrue(r.path("gap_ms").path("p50").asDouble() >= 4, "the mock's 5 ms cadence: " + r);
        assertEquals(0, r.path("errors").size());
    }

    @Test
    void anErrorStatusIsAFailure() throws Exception {
        mock.defaultScript(Script.fail(500));
        ObjectNode r = run(3, 20_000);
        assertEquals(3, r.path("failed").asInt());
        assertTrue(r.path("errors").get(0).asText().startsWith("status HTTP/1.1 500"), r.toString());
    }

    @Test
    void aStreamThatBreaksOrReportsAnErrorIsAFailure() throws Exception {
        mock.enqueue(Script.reply(MockMain.text(DELTAS)).deltas(DELTAS).breakAfter(3));
        ObjectNode broken = run(1, 20_000);
        assertEquals(1, broken.path("failed").asInt(), broken.toString());
        assertTrue(broken.path("events").asInt() <= 3, broken.toString());

        mock.enqueue(Script.reply(MockMain.text(DELTAS)).deltas(DELTAS).errorEventAfter(2));
        ObjectNode errored = run(1, 20_000);
        assertEquals(1, errored.path("failed").asInt(), errored.toString());
    }

    @Test
    void aSilentUpstreamEndsAtTheTimeoutAndARefusedPortIsReported() throws Exception {
        mock.defaultScript(Script.reply(MockMain.text(DELTAS)).deltas(DELTAS).hangAfter(2));
        ObjectNode r = run(2, 500);
        assertEquals(2, r.path("failed").asInt(), r.toString());
        assertEquals("timeout", r.path("errors").get(0).asText());

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ObjectNode refused = StreamClient.run("127.0.0.1", closedPort, "/v1/chat/completions", null, "m", 2, 100, 1000);
        assertEquals(2, refused.path("failed").asInt());
        assertTrue(refused.path("errors").get(0).asText().contains("ConnectException"), refused.toString());
    }

    @Test
    void theMedianRoundIsReportedWithEveryRoundsCounts() {
        ObjectNode a = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("stalls", 9);
        ObjectNode b = a.deepCopy().put("stalls", 0);
        ObjectNode c = a.deepCopy().put("stalls", 4);
        ObjectNode s = StreamClient.summary(List.of(a, b, c));
        assertEquals(4, s.path("stalls").asInt());
        JsonNode rounds = s.path("rounds");
        assertEquals(List.of(9, 0, 4), List.of(rounds.get(0).path("stalls").asInt(), rounds.get(1).path("stalls").asInt(),
                rounds.get(2).path("stalls").asInt()));
    }
}
