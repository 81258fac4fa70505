package io.aisix.bench.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Reads a JMH JSON report ({@code -rf json}) of a run with {@code -prof gc}: per benchmark and
 * parameter set, every measurement iteration's {@code gc.alloc.rate.norm} and, with
 * {@code -prof comp}, the JIT's compile time, and the time score.
 */
final class JmhReport {
    static final String ALLOCATION = "gc.alloc.rate.norm";
    static final String COMPILATION = "compiler.time.profiled";
    private static final ObjectMapper JSON = new ObjectMapper();

    private JmhReport() {
    }

    static List<Measured> read(Path report) throws IOException {
        return parse(JSON.readTree(report.toFile()));
    }

    static List<Measured> parse(JsonNode report) {
        if (report == null || !report.isArray()) {
            throw new IllegalArgumentException("not a JMH JSON report: the top level is not an array");
        }
        List<Measured> out = new ArrayList<>();
        for (JsonNode run : report) {
            String benchmark = run.path("benchmark").asText("");
            if (benchmark.isEmpty()) {
                throw new IllegalArgumentException("not a JMH JSON report: an entry without \"benchmark\"");
            }
            Map<String, String> params = new TreeMap<>();
            run.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
            BenchmarkId id = BenchmarkId.of(benchmark, params);
            JsonNode allocation = run.path("secondaryMetrics").path(ALLOCATION);
            if (allocation.isMissingNode()) {
                throw new IllegalArgumentException(id + ": no " + ALLOCATION + " in the JMH report (run with -prof gc)");
            }
            JsonNode compile = run.path("secondaryMetrics").path(COMPILATION);
            List<Double> compileMillis = compile.isMissingNode() ? List.of() : iterations(id, compile);
            JsonNode primary = run.path("primaryMetric");
            out.add(new Measured(id, iterations(id, allocation), compileMillis, duration(run.path("measurementTime")),
                    primary.path("score").asDouble(Double.NaN), primary.path("scoreUnit").asText("")));
        }
        return out;
    }

    /** JMH's iteration length ({@code "1 s"}, {@code "500 ms"}); zero when the report has none. */
    private static Duration duration(JsonNode time) {
        if (!time.isTextual()) {
            return Duration.ZERO;
        }
        try {
            return Duration.ofNanos(TimeValue.fromString(time.asText()).convertTo(TimeUnit.NANOSECONDS));
        } catch (IllegalArgumentException e) {
            return Duration.ZERO;
        }
    }

    private static List<Double> iterations(BenchmarkId id, JsonNode metric) {
        List<Double> out = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            for (JsonNode iteration : fork) {
                out.add(iteration.asDouble());
            }
        }
        if (out.isEmpty()) {
            JsonNode score = metric.path("score");
            if (!score.isNumber()) {
                throw new IllegalArgumentException(id + ": " + ALLOCATION + " has neither iterations nor a score");
            }
            out.add(score.asDouble());
        }
        return out;
    }
}
