package io.aisix.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's report over the raw outputs of a run: the references (nginx, the helidon hop) get
 * their added latency and throughput against nginx at every point, each proxy's CPU per request
 * goes into the side table, and a run without the hop reports as before.
 */
class ReportTest {
    @TempDir
    Path dir;

    private void wrk(String side, int c, long requests, long p50Us, long p99Us) throws IOException {
        Files.writeString(dir.resolve("wrk-" + side + "-c" + c + ".json"), "{\"requests\":" + requests
                + ",\"duration_us\":10000000,\"errors\":{\"connect\":0,\"read\":0,\"write\":0,\"status\":0,\"timeout\":0},"
                + "\"latency_us\":{\"p50\":" + p50Us + ",\"p90\":" + p50Us + ",\"p99\":" + p99Us + ",\"p999\":" + p99Us
                + ",\"max\":" + p99Us + ",\"mean\":" + p50Us + "}}\n");
    }

    private void burst(String side, int n, double ttftP50) throws IOException {
        Files.writeString(dir.resolve("streams-" + side + "-" + n + ".json"), "{\"streams\":" + n + ",\"completed\":" + n
                + ",\"stalls\":0,\"stalls_in_first_second\":0,\"stall_threshold_ms\":100,\"ttft_ms\":{\"p50\":" + ttftP50
                + ",\"p99\":" + (ttftP50 + 1) + "},\"gap_ms\":{\"p50\":20,\"p99\":21,\"max\":22}}");
    }

    private static String counts(double cpuUs) {
        return "{\"c1\": {\"requests\": 1000, \"cpu_us_per_request\": " + cpuUs
                + ", \"context_switches_per_request\": 2.5, \"jit_compiler_ms\": 0}}";
    }

    private void run(boolean helidon) throws IOException {
        Files.writeString(dir.resolve("meta.json"), "{\"timestamp\": \"t\", \"gateway_counts\": " + counts(60)
                + ", \"nginx_counts\": " + counts(20) + ", \"helidon_counts\": " + (helidon ? counts(35) : "{}") + "}");
        wrk("direct", 1, 200_000, 50, 500);
        wrk("nginx", 1, 100_000, 150, 1500);
        wrk("gateway", 1, 40_000, 300, 4000);
        burst("direct", 64, 10);
        burst("nginx", 64, 11);
        burst("gateway", 64, 14);
        if (helidon) {
            wrk("helidon", 1, 60_000, 200, 2500);
            burst("helidon", 64, 12.5);
        }
    }

    @Test
    void theHelidonHopIsReportedBesideNginxAndTheGateway() throws IOException {
        run(true);
        ObjectNode r = Report.build(dir);
        JsonNode row = r.path("http").get(0);
        assertEquals(60_000, row.path("helidon").path("requests").asLong());
        assertEquals(0.15, row.path("helidon_added_p50_ms").asDouble(), 1e-9);
        assertEquals(2.0, row.path("helidon_added_p99_ms").asDouble(), 1e-9);
        assertEquals(0.6, row.path("helidon_rps_vs_nginx").asDouble(), 1e-9);
        assertEquals(0.4, row.path("rps_vs_nginx").asDouble(), 1e-9);
        assertEquals(0.667, row.path("rps_vs_helidon").asDouble(), 1e-9);
        assertEquals(2.5, r.path("streams").path("64").path("helidon_added_ttft_ms").path("p50").asDouble(), 1e-9);
        assertEquals(4.0, r.path("streams").path("64").path("added_ttft_ms").path("p50").asDouble(), 1e-9);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Report.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("| 1 | helidon | 6,000 | 60% | 0.200 / 2.500 | 0.150 / 2.000 | 35.0 | 2.50 |"), out);
        assertTrue(out.contains("| 1 | nginx | 10,000 | 100% | 0.150 / 1.500 | 0.100 / 1.000 | 20.0 | 2.50 |"), out);
        assertTrue(out.contains("| 1 | gateway | 4,000 | 40% | 0.300 / 4.000 | 0.250 / 3.500 | 60.0 | 2.50 |"), out);
        assertTrue(out.contains("| helidon x64 | 64 | 0 | 0 | 12.50 / 13.50 |"), out);
        assertTrue(out.contains("helidon hop added TTFT: p50 2.50 ms"), out);
    }

    @Test
    void aRunWithoutTheHopHasNoHelidonFields() throws IOException {
        run(false);
        ObjectNode r = Report.build(dir);
        JsonNode row = r.path("http").get(0);
        assertFalse(row.has("helidon"));
        assertFalse(row.has("helidon_added_p50_ms"));
        assertFalse(r.path("streams").path("64").has("helidon"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Report.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("| helidon"), out);
        assertTrue(out.contains("| 1 | gateway | 4,000 | 40% |"), out);
    }
}
