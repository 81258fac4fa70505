package io.aisix.bench.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** JMH JSON reports ({@code -rf json}, {@code -prof gc}) in the shape JMH 1.37 writes them, for tests. */
final class SyntheticJmh {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArrayNode report = JSON.createArrayNode();

    /** One benchmark and parameter set: its time score and its iterations' {@code gc.alloc.rate.norm}. */
    SyntheticJmh run(String benchmark, Map<String, String> params, double nsPerOp, double... bytesPerOp) {
        ObjectNode run = report.addObject();
        run.put("jmhVersion", "1.37").put("benchmark", benchmark).put("mode", "avgt").put("threads", 1).put("forks", 1)
                .put("measurementIterations", bytesPerOp.length).put("measurementTime", "1 s");
        if (!params.isEmpty()) {
            ObjectNode p = run.putObject("params");
            params.forEach(p::put);
        }
        metric(run.putObject("primaryMetric"), nsPerOp, "ns/op", List.of(nsPerOp, nsPerOp));
        ObjectNode secondary = run.putObject("secondaryMetrics");
        metric(secondary.putObject("gc.alloc.rate"), 900, "MB/sec", List.of(900.0, 900.0));
        List<Double> bytes = java.util.Arrays.stream(bytesPerOp).boxed().toList();
        metric(secondary.putObject("gc.alloc.rate.norm"), bytes.stream().mapToDouble(d -> d).average().orElse(0),
                "B/op", bytes);
        metric(secondary.putObject("gc.count"), 3, "counts", List.of(1.0, 2.0));
        return this;
    }

    /** The last run's JIT compile time per measurement iteration ({@code -prof comp}), in ms. */
    SyntheticJmh compiling(double... millis) {
        ObjectNode secondary = (ObjectNode) report.get(report.size() - 1).get("secondaryMetrics");
        metric(secondary.putObject("compiler.time.profiled"), java.util.Arrays.stream(millis).sum(), "ms",
                java.util.Arrays.stream(millis).boxed().toList());
        return this;
    }

    private static void metric(ObjectNode m, double score, String unit, List<Double> iterations) {
        m.put("score", score).put("scoreError", "NaN").put("scoreUnit", unit);
        ArrayNode fork = m.putArray("rawData").addArray();
        iterations.forEach(fork::add);
    }

    JsonNode json() {
        return report;
    }

    List<Measured> measured() {
        return JmhReport.parse(report);
    }
}
