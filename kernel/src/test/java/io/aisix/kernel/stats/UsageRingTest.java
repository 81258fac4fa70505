package io.aisix.kernel.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.spi.observe.SpendBoard;
import io.aisix.spi.observe.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-minute ring behind {@code /admin/v1/stats}: rollover, windows, percentiles, the memory bound. */
class UsageRingTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final UsageRing ring = new UsageRing(clock);
    private final StatsDocuments docs = new StatsDocuments(ring, new StatsDocuments.Board());

    /** A request that ended now, after {@code ms}, with usage and cost. */
    private UsageEvent ended(String key, String model, int status, double ms, long prompt, long completion,
                             double costUsd) {
        long nanos = (long) (ms * 1_000_000);
        Instant start = clock.instant().minusNanos(nanos);
        return new UsageEvent("r", start, nanos, Optional.empty(), "/v1/chat/completions", key, model, "openai", "m",
                status, status >= 400 ? "x" : "", prompt, completion, 0, 0, "", "", 1, false, List.of(),
                Optional.empty(), Optional.empty(), false,
                Double.isNaN(costUsd) ? null : new UsageEvent.Spend(costUsd, 0, List.of()));
    }

    private UsageEvent ok(String key, String model, double ms) {
        return ended(key, model, 200, ms, 10, 5, 0.001);
    }

    @Test
    void requestsLandInTheMinuteTheyEndedAndTheHourWindowRollsOver() {
        ring.record(ok("k1", "gpt", 20));
        ring.record(ended("k1", "gpt", 502, 30, 0, 0, Double.NaN));
        clock.advance(Duration.ofMinutes(1));
        ring.record(ok("k2", "claude", 40));

        JsonNode doc = docs.stats("1h", "model", 10);
        assertEquals(60, doc.get("buckets").size());
        assertEquals(60, doc.get("bucket_seconds").asInt());
        assertEquals(T0.plusSeconds(60).toString(), doc.get("buckets").get(59).asText(), "newest bucket last");
        JsonNode total = doc.get("total");
        assertEquals(2, total.get("requests").get(58).asLong());
        assertEquals(1, total.get("errors").get(58).asLong());
        assertEquals(1, total.get("requests").get(59).asLong());
        assertEquals(3, total.at("/totals/requests").asLong());
        assertEquals(20, total.at("/totals/prompt_tokens").asLong());
        assertEquals(0.002, total.at("/totals/cost_usd").asDouble(), 1e-12, "the unpriced request adds nothing");
        assertNull(total.get("p50_ms").get(0).numberValue(), "an empty minute has no percentile");

        // an hour later the first minute has left the hour window but is in the day's first quarter
        clock.advance(Duration.ofMinutes(59));
        doc = docs.stats("1h", "model", 10);
        assertEquals(1, doc.at("/total/totals/requests").asLong(), doc.toString());
        JsonNode day = docs.stats("24h", "model", 10);
        assertEquals(96, day.get("buckets").size());
        assertEquals(900, day.get("bucket_seconds").asInt());
        assertEquals(3, day.at("/total/totals/requests").asLong());

        // a recorded minute's slot, reused an hour later, starts from zero
        ring.record(ok("k3", "gpt", 10));
        doc = docs.stats("1h", "model", 10);
        assertEquals(1, doc.get("total").get("requests").get(59).asLong());
        assertEquals(2, doc.at("/total/totals/requests").asLong());

        clock.advance(Duration.ofHours(25));
        assertEquals(0, docs.stats("24h", "key", 10).at("/total/totals/requests").asLong());
    }

    @Test
    void seriesAreByKeyOrModelRankedByRequestsWithTheRestMerged() {
        for (int i = 0; i < 3; i++) {
            ring.record(ok("k-a", "gpt", 10));
        }
        ring.record(ok("k-b", "claude", 10));
        ring.record(ok("k-b", "gpt", 10));
        ring.record(ok("", "gem", 10));

        JsonNode byModel = docs.stats("1h", "model", 10).get("series");
        assertEquals("gpt", byModel.get(0).get("name").asText());
        assertEquals(4, byModel.get(0).at("/totals/requests").asLong());
        assertEquals(3, byModel.size());

        JsonNode byKey = docs.stats("1h", "key", 1).get("series");
        assertEquals(2, byKey.size(), byKey.toString());
        assertEquals("k-a", byKey.get(0).get("name").asText());
        assertEquals(UsageRing.OTHER, byKey.get(1).get("name").asText());
        assertEquals(3, byKey.get(1).at("/totals/requests").asLong(), "k-b twice and the keyless request");
        assertEquals(3, byKey.get(1).get("requests").get(59).asLong());
        assertEquals(0.003, byKey.get(1).at("/totals/cost_usd").asDouble(), 1e-12);
    }

    @Test
    void badParametersAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> docs.stats("2h", "model", 10)).getMessage()
                .contains("window"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> docs.stats("1h", "team", 10)).getMessage()
                .contains("by"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> docs.stats("1h", "key", 0)).getMessage()
                .contains("top"));
    }

    @Test
    void percentilesAreNeverBelowTheTruthAndLessThanRootTwoAbove() {
        Random rnd = new Random(7);
        for (int round = 0; round < 200; round++) {
            LatencyHistogram h = new LatencyHistogram();
            int n = 1 + rnd.nextInt(300);
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = Math.exp(rnd.nextDouble() * Math.log(200_000)); // 1 ms .. 200 s, log-uniform
                h.add(values[i]);
            }
            java.util.Arrays.sort(values);
            for (double q : new double[] {0.5, 0.99}) {
                double truth = values[(int) Math.ceil(q * n) - 1];
                double reported = h.quantile(q);
                assertTrue(reported >= truth && reported < truth * Math.sqrt(2) + 1e-9,
                        "q" + q + " of " + n + ": truth " + truth + ", reported " + reported);
            }
        }
        LatencyHistogram fast = new LatencyHistogram();
        fast.add(0.2);
        assertEquals(1.0, fast.quantile(0.99), "anything under 1 ms reads as 1 ms");
        LatencyHistogram slow = new LatencyHistogram();
        slow.add(3_600_000);
        assertEquals(LatencyHistogram.upperBound(LatencyHistogram.BUCKETS - 1), slow.quantile(0.5),
                "beyond the last bound: the last bound");
        assertTrue(Double.isNaN(new LatencyHistogram().quantile(0.5)));
    }

    @Test
    void theMinuteAndDayPercentilesComeFromTheHistogram() {
        for (int i = 1; i <= 100; i++) {
            ring.record(ok("k", "gpt", i));
        }
        JsonNode t = docs.stats("1h", "model", 10).at("/total/totals");
        assertTrue(t.get("p50_ms").asDouble() >= 50 && t.get("p50_ms").asDouble() < 50 * Math.sqrt(2), t.toString());
        assertTrue(t.get("p99_ms").asDouble() >= 99 && t.get("p99_ms").asDouble() < 99 * Math.sqrt(2), t.toString());
    }

    @Test
    void memoryIsBoundedWhateverTheNumberOfKeysAndModels() {
        // a day of traffic from 10,000 keys over 1,000 models, a request every 10 s
        for (int i = 0; i < 8_640; i++) {
            ring.record(ok("key-" + (i % 10_000), "model-" + (i % 1_000), 5));
            clock.advance(Duration.ofSeconds(10));
        }
        int bound = (60 + 96) * 2 * (UsageRing.MAX_NAMES + 1);
        assertTrue(ring.namedAggregates() <= bound, ring.namedAggregates() + " > " + bound);
        // every name past the 32nd of a bucket is counted under (other): nothing is lost
        clock.advance(Duration.ofSeconds(-10));
        JsonNode day = docs.stats("24h", "key", 32);
        long listed = 0;
        for (JsonNode s : day.get("series")) {
            listed += s.at("/totals/requests").asLong();
        }
        assertEquals(day.at("/total/totals/requests").asLong(), listed);
        assertTrue(day.at("/total/totals/requests").asLong() >= 8_640 - 90, "a day minus at most one quarter");
    }

    @Test
    void spendListsWhatTheBudgetsPluginReportedOrSaysItIsUnavailable() {
        StatsDocuments.Board board = new StatsDocuments.Board();
        StatsDocuments d = new StatsDocuments(ring, board);
        ObjectNode none = d.spend(Optional.empty());
        assertTrue(!none.get("available").asBoolean() && none.get("counters").isEmpty());
        Instant end = Instant.parse("2027-01-01T00:00:00Z");
        board.report(() -> List.of(new SpendBoard.Counter("b1", "team-cap", "k1", 1.5, 10, "hard", end),
                new SpendBoard.Counter("b2", "global", "*", 0.25, 100, "warn", end)));
        JsonNode all = d.spend(Optional.empty());
        assertTrue(all.get("available").asBoolean());
        assertEquals(2, all.get("counters").size());
        JsonNode one = d.spend(Optional.of("team-cap")).get("counters");
        assertEquals(1, one.size());
        assertEquals(1.5, one.get(0).get("spent_usd").asDouble());
        assertEquals(10, one.get(0).get("max_usd").asDouble());
        assertEquals("2027-01-01T00:00:00Z", one.get(0).get("period_end").asText());
        assertEquals(1, d.spend(Optional.of("b2")).get("counters").size());
    }
}
