package io.aisix.bench.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.bench.guard.AllocationCheck.Row;
import io.aisix.bench.guard.AllocationCheck.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard for real: JMH runs {@code ChainDispatch} with the full shipped chain plus
 * {@link AllocatingFilterFactory}'s filter (8 KiB per request), forked from this JVM, and the
 * guard compares it with the committed baseline. It must fail, on that row, by about the filter's
 * bytes. (The passing case is the guard's own run in {@code mvn install}.)
 */
@Timeout(300)
class AllocationGuardEndToEndTest {
    private static final int BYTES = 8192;

    @Test
    void anAllocatingFilterInTheFullChainFailsTheGuard(@TempDir Path work) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        AllocationGuard guard = new AllocationGuard(Path.of("baseline.json"), work,
                new Selection("^io\\.aisix\\.bench\\.ChainDispatchBenchmark\\.dispatch$", Map.of("chain", List.of("full"))),
                List.of("-D" + AllocatingFilterFactory.PROPERTY + "=" + BYTES),
                new PrintStream(text, true, StandardCharsets.UTF_8));

        AllocationCheck check = guard.check();

        String report = text.toString(StandardCharsets.UTF_8);
        System.out.print(report); // in target/surefire-reports: what the guard printed
        assertTrue(check.failed(), report);
        assertEquals(1, check.rows().size(), report);
        Row row = check.rows().getFirst();
        assertEquals("chain=full", row.id().paramText());
        assertEquals(Verdict.REGRESSED, row.verdict(), report);
        double extra = row.measured().bytesPerOp() - row.baseline();
        assertTrue(extra > BYTES / 2.0, "the filter's " + BYTES + " B should show, got +" + extra + "\n" + report);
        assertTrue(report.contains("ChainDispatchBenchmark.dispatch  chain=full"), report);
        assertTrue(report.contains("Allocation guard FAILED:\n  1 benchmark/parameter set REGRESSED"), report);
    }
}
