package io.aisix.bench.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JmhReportTest {
    private static final String CHAIN = "io.aisix.bench.ChainDispatchBenchmark.dispatch";

    @Test
    void readsEveryRunWithItsParametersAndIterations() {
        List<Measured> runs = new SyntheticJmh()
                .run(CHAIN, Map.of("chain", "full"), 8123.4, 14_530.2, 14_411.9, 14_420.0)
                .run("io.aisix.bench.SseStreamBenchmark.perEvent", Map.of(), 1_100, 2_831.0)
                .measured();

        assertEquals(2, runs.size());
        Measured full = runs.getFirst();
        assertEquals(BenchmarkId.of(CHAIN, Map.of("chain", "full")), full.id());
        assertEquals(List.of(14_530.2, 14_411.9, 14_420.0), full.allocation());
        assertEquals(14_411.9, full.bytesPerOp(), 1e-9, "the lowest iteration");
        assertEquals(8123.4, full.timeScore(), 1e-9);
        assertEquals("ns/op", full.timeUnit());
        assertEquals("", runs.get(1).id().paramText());
    }

    @Test
    void aReportWithoutTheGcProfilerIsRefused() {
        ObjectNode run = (ObjectNode) new SyntheticJmh().run(CHAIN, Map.of(), 10, 100).json().get(0);
        ((ObjectNode) run.get("secondaryMetrics")).remove("gc.alloc.rate.norm");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmhReport.parse(new ObjectMapper().createArrayNode().add(run)));
        assertTrue(e.getMessage().contains("-prof gc"), e.getMessage());
    }

    @Test
    void somethingElseThanAJmhReportIsRefused() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThrows(IllegalArgumentException.class, () -> JmhReport.parse(json.readTree("{\"benchmarks\":[]}")));
        assertThrows(IllegalArgumentException.class, () -> JmhReport.parse(json.readTree("[{\"mode\":\"avgt\"}]")));
    }

    @Test
    void readsTheJitsCompileTimeAndTheIterationLength() {
        Measured m = new SyntheticJmh().run(CHAIN, Map.of(), 10, 14_500, 14_480).compiling(346, 14).measured().getFirst();
        assertEquals(List.of(346.0, 14.0), m.compileMillis());
        assertEquals(Duration.ofSeconds(1), m.iteration());
        assertEquals(18.0, m.compiledPercent(), 1e-9);
        assertEquals(List.of(), new SyntheticJmh().run(CHAIN, Map.of(), 10, 1).measured().getFirst().compileMillis());
    }

    @Test
    void aRunIsSettledWhenAllocationIsFlatAndTheJitQuiet() {
        assertTrue(measured(List.of(14_420.0, 14_410.0, 14_415.0), List.of(0.0, 3.0, 158.0)).settled(), "flat, 5.4%");
        assertTrue(measured(List.of(14_000.0, 15_000.0), List.of()).settled(), "rising is not the JIT; not profiled");
        assertTrue(measured(List.of(300.0, 240.0), List.of(0.0, 0.0)).settled(), "64 B or less is noise");
        Measured falling = measured(List.of(16_935.0, 16_623.0, 16_205.0), List.of(0.0, 0.0, 0.0));
        assertTrue(falling.falling() && !falling.settled());
        // at load 14 the full chain sat near 16.1 KB for four seconds while C2 still worked (14.5 KB later)
        Measured plateau = measured(List.of(16_145.0, 16_099.0, 16_093.0, 16_181.0), List.of(1_255.0, 1_106.0, 940.0, 980.0));
        assertTrue(!plateau.falling() && plateau.compiling() && !plateau.settled());
    }

    private static Measured measured(List<Double> bytes, List<Double> compileMillis) {
        return new Measured(BenchmarkId.of(CHAIN, Map.of()), bytes, compileMillis, Duration.ofSeconds(1), 1, "ns/op");
    }
}
