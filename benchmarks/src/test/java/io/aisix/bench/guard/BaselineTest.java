package io.aisix.bench.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesSortedRowsAndReadsThemBack(@TempDir Path dir) throws Exception {
        Map<BenchmarkId, Long> rows = new TreeMap<>();
        rows.put(BenchmarkId.of("io.aisix.bench.SseStreamBenchmark.perEvent", Map.of()), 2_766L);
        rows.put(BenchmarkId.of("io.aisix.bench.ChainDispatchBenchmark.dispatch", Map.of("chain", "full")), 14_531L);
        rows.put(BenchmarkId.of("io.aisix.bench.GuardrailScanBenchmark.scan",
                Map.of("text", "pii", "kib", "16", "kind", "pii")), 36_800L);
        Path file = dir.resolve("baseline.json");

        new Baseline("25.0.3+9-LTS", new TreeMap<>(rows)).write(file);
        Baseline read = Baseline.read(file);

        assertEquals(rows, read.bytes());
        assertEquals("25.0.3+9-LTS", read.jdk());
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of(
                "    {\"benchmark\":\"io.aisix.bench.ChainDispatchBenchmark.dispatch\",\"params\":{\"chain\":\"full\"},"
                        + "\"bytes_per_op\":14531},",
                "    {\"benchmark\":\"io.aisix.bench.GuardrailScanBenchmark.scan\",\"params\":{\"kib\":\"16\",\"kind\":\"pii\","
                        + "\"text\":\"pii\"},\"bytes_per_op\":36800},",
                "    {\"benchmark\":\"io.aisix.bench.SseStreamBenchmark.perEvent\",\"params\":{},\"bytes_per_op\":2766}"),
                lines.subList(4, 7), "one row per line, sorted");
        assertTrue(lines.get(1).contains("make jmh-baseline"), lines.get(1));
    }

    @Test
    void theCommittedBaselineIsAsTheGuardWritesIt(@TempDir Path dir) throws Exception {
        Path committed = Path.of("baseline.json"); // the tests run in benchmarks/
        Path rewritten = dir.resolve("baseline.json");
        Baseline.read(committed).write(rewritten);
        assertEquals(Files.readString(committed), Files.readString(rewritten),
                "benchmarks/baseline.json is written by `make jmh-baseline`, not by hand");
    }

    @Test
    void aMissingBaselineSaysHowToRecordOne(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Baseline.read(dir.resolve("baseline.json")));
        assertTrue(e.getMessage().contains("make jmh-baseline"), e.getMessage());
    }

    @Test
    void badRowsAreRefusedWithTheirPlace(@TempDir Path dir) throws Exception {
        String row = "{\"benchmark\":\"a.B.c\",\"params\":{\"n\":\"1\"},\"bytes_per_op\":%s}";
        for (String bad : new String[] {"-1", "12.5", "\"12\"", "null"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Baseline.parse("b.json",
                    JSON.readTree("{\"benchmarks\":[" + row.formatted("1") + "," + row.formatted(bad) + "]}")));
            assertTrue(e.getMessage().startsWith("b.json: row 2 "), bad + ": " + e.getMessage());
        }
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> Baseline.parse("b.json",
                JSON.readTree("{\"benchmarks\":[" + row.formatted("1") + "," + row.formatted("2") + "]}")));
        assertTrue(twice.getMessage().contains("two rows for B.c (n=1)"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Baseline.parse("b.json", JSON.readTree("[]")));
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"benchmarks\":[");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Baseline.read(broken));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
