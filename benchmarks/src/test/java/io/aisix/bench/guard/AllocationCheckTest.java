package io.aisix.bench.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.bench.guard.AllocationCheck.Row;
import io.aisix.bench.guard.AllocationCheck.Verdict;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The guard's rule and its table, on synthetic JMH reports. */
class AllocationCheckTest {
    private static final String CHAIN = "io.aisix.bench.ChainDispatchBenchmark.dispatch";
    private static final String ALIAS = "io.aisix.bench.AliasResolutionBenchmark.resolve";
    private static final String SSE = "io.aisix.bench.SseStreamBenchmark.perEvent";

    private static BenchmarkId chain(String value) {
        return BenchmarkId.of(CHAIN, Map.of("chain", value));
    }

    private static Map<BenchmarkId, Long> baseline(Object... idAndBytes) {
        Map<BenchmarkId, Long> m = new TreeMap<>();
        for (int i = 0; i < idAndBytes.length; i += 2) {
            m.put((BenchmarkId) idAndBytes[i], ((Number) idAndBytes[i + 1]).longValue());
        }
        return m;
    }

    @Test
    void failsOnlyAboveTenPercentAndAt256Bytes() {
        assertFalse(AllocationCheck.regressed(14_000, 15_400), "+10% exactly");
        assertTrue(AllocationCheck.regressed(14_000, 15_401));
        assertFalse(AllocationCheck.regressed(1_000, 1_255), "+25.5% but 255 B");
        assertTrue(AllocationCheck.regressed(1_000, 1_256));
        assertFalse(AllocationCheck.regressed(100_000, 109_999), "+9,999 B but 10%");
        assertTrue(AllocationCheck.regressed(0, 256), "from nothing");
        assertFalse(AllocationCheck.regressed(0, 255));
        assertTrue(AllocationCheck.lower(14_000, 12_599));
        assertFalse(AllocationCheck.lower(1_000, 800), "-20% but 200 B");
    }

    @Test
    void aRowWithinTheThresholdPasses() {
        AllocationCheck check = AllocationCheck.compare(baseline(chain("full"), 14_531, chain("0"), 0),
                new SyntheticJmh()
                        .run(CHAIN, Map.of("chain", "full"), 8_000, 15_900, 15_950) // +9.4%
                        .run(CHAIN, Map.of("chain", "0"), 37, 200, 0.01) // 200 B in the first iteration
                        .measured());

        assertFalse(check.failed(), check.table());
        assertEquals(List.of(Verdict.OK, Verdict.OK), check.rows().stream().map(Row::verdict).toList());
        assertTrue(AllocationGuard.summary(check).startsWith("Allocation guard passed: 2 benchmark/parameter sets"));
    }

    @Test
    void anAllocatingFilterInTheChainFailsWithATable() {
        AllocationCheck check = AllocationCheck.compare(baseline(chain("full"), 14_531, chain("9"), 488),
                new SyntheticJmh()
                        .run(CHAIN, Map.of("chain", "full"), 8_123.4, 22_740.2, 22_731.6)
                        .run(CHAIN, Map.of("chain", "9"), 93.6, 488.0, 488.0)
                        .measured());

        assertTrue(check.failed());
        assertEquals(List.of(Verdict.OK, Verdict.REGRESSED), check.rows().stream().map(Row::verdict).toList());
        List<String> lines = check.table().lines().toList();
        assertEquals(List.of("benchmark", "params", "baseline", "B/op", "measured", "B/op", "delta", "time/op", "verdict"),
                List.of(lines.getFirst().trim().split("\\s+")));
        assertEquals(List.of("ChainDispatchBenchmark.dispatch", "chain=full", "14,531", "22,732", "+8,201", "(+56.4%)",
                "8,123", "ns/op", "REGRESSED"), List.of(lines.get(2).trim().split("\\s+")));
        assertEquals(List.of("ChainDispatchBenchmark.dispatch", "chain=9", "488", "488", "+0", "(+0.0%)",
                "93.6", "ns/op", "ok"), List.of(lines.get(1).trim().split("\\s+")));
        String summary = AllocationGuard.summary(check);
        assertTrue(summary.contains("1 benchmark/parameter set REGRESSED"), summary);
        assertTrue(summary.contains("make jmh-baseline"), summary);
        assertTrue(summary.contains("why"), summary);
    }

    @Test
    void aNewBenchmarkWithoutABaselineRowFails() {
        AllocationCheck check = AllocationCheck.compare(baseline(chain("full"), 14_531), new SyntheticJmh()
                .run(CHAIN, Map.of("chain", "full"), 8_000, 14_500)
                .run("io.aisix.bench.BulkSnapshotLoadBenchmark.load", Map.of("rows", "10000"), 5e6, 9e7)
                .measured());

        assertTrue(check.failed());
        Row row = check.with(Verdict.NO_BASELINE).getFirst();
        assertEquals("BulkSnapshotLoadBenchmark.load", row.id().shortName());
        assertTrue(check.table().contains("NO BASELINE"));
        assertTrue(AllocationGuard.summary(check).contains("1 benchmark/parameter set NO BASELINE"));
    }

    @Test
    void aNewParameterValueWithoutABaselineRowFails() {
        AllocationCheck check = AllocationCheck.compare(baseline(chain("full"), 14_531), new SyntheticJmh()
                .run(CHAIN, Map.of("chain", "full"), 8_000, 14_500)
                .run(CHAIN, Map.of("chain", "stream"), 9_000, 20_000)
                .measured());

        assertEquals(List.of(chain("stream")), check.with(Verdict.NO_BASELINE).stream().map(Row::id).toList());
    }

    @Test
    void aBaselineRowWhoseBenchmarkNoLongerRunsFails() {
        AllocationCheck check = AllocationCheck.compare(
                baseline(chain("full"), 14_531, BenchmarkId.of(ALIAS, Map.of("alias", "exact")), 0),
                new SyntheticJmh().run(CHAIN, Map.of("chain", "full"), 8_000, 14_500).measured());

        assertTrue(check.failed());
        Row gone = check.with(Verdict.GONE).getFirst();
        assertEquals("alias=exact", gone.id().paramText());
        assertTrue(check.table().lines().anyMatch(l -> l.startsWith("AliasResolutionBenchmark.resolve")
                && l.endsWith("GONE") && l.contains(" - ")), check.table());
    }

    @Test
    void muchLessThanTheBaselinePassesWithAHint() {
        AllocationCheck check = AllocationCheck.compare(baseline(BenchmarkId.of(SSE, Map.of()), 2_766),
                new SyntheticJmh().run(SSE, Map.of(), 1_100, 1_900).measured());

        assertFalse(check.failed());
        assertEquals(Verdict.LOWER, check.rows().getFirst().verdict());
        assertTrue(AllocationGuard.summary(check).contains("would tighten the guard"));
    }

    @Test
    void aBenchmarkMeasuredTwiceIsAnError() {
        List<Measured> twice = new SyntheticJmh()
                .run(SSE, Map.of(), 1_100, 2_800)
                .run(SSE, Map.of(), 1_100, 2_800)
                .measured();
        assertThrows(IllegalArgumentException.class, () -> AllocationCheck.compare(Map.of(), twice));
    }

    @Test
    void aSelectionCoversTheBaselineRowsItWouldRun() {
        Selection full = new Selection("ChainDispatch", Map.of("chain", List.of("full", "9")));
        assertTrue(full.covers(chain("full")));
        assertTrue(full.covers(chain("9")));
        assertFalse(full.covers(chain("0")));
        assertFalse(full.covers(BenchmarkId.of(ALIAS, Map.of("alias", "exact"))));
        assertTrue(Selection.ALL.covers(BenchmarkId.of(SSE, Map.of())));
        Selection one = Selection.exactly(chain("full"));
        assertTrue(one.covers(chain("full")));
        assertFalse(one.covers(BenchmarkId.of(CHAIN + "Twice", Map.of("chain", "full"))));
        assertThrows(IllegalArgumentException.class, () -> new Selection("Chain(", Map.of()));
    }
}
