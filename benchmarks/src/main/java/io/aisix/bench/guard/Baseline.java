package io.aisix.bench.guard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The committed allocation baseline ({@code benchmarks/baseline.json}): bytes allocated per
 * operation for every benchmark and parameter set, and the JDK they were recorded on. Rows are
 * kept sorted, so a re-recording shows as a readable diff.
 */
record Baseline(String jdk, SortedMap<BenchmarkId, Long> bytes) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ABOUT = "Bytes allocated per operation (JMH -prof gc, gc.alloc.rate.norm, lowest"
            + " measurement iteration) of every JMH benchmark and parameter set, checked by the allocation guard"
            + " in `make test` (mvn install). Re-record with `make jmh-baseline`; the commit that changes this file"
            + " says why. See benchmarks/README.md.";

    Baseline {
        bytes = Collections.unmodifiableSortedMap(new TreeMap<>(bytes));
    }

    static Baseline read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no baseline at " + file + ": record one with `make jmh-baseline`");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
        return parse(file.toString(), root);
    }

    static Baseline parse(String source, JsonNode root) {
        if (root == null || !root.path("benchmarks").isArray()) {
            throw new IllegalArgumentException(source + ": expected an object with a \"benchmarks\" array");
        }
        SortedMap<BenchmarkId, Long> rows = new TreeMap<>();
        int n = 0;
        for (JsonNode row : root.path("benchmarks")) {
            n++;
            String benchmark = row.path("benchmark").asText("");
            JsonNode value = row.path("bytes_per_op");
            if (benchmark.isEmpty() || !value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0
                    || !(row.path("params").isObject() || row.path("params").isMissingNode())) {
                throw new IllegalArgumentException(source + ": row " + n + " needs \"benchmark\", an object \"params\""
                        + " and a whole \"bytes_per_op\" >= 0: " + row);
            }
            Map<String, String> params = new TreeMap<>();
            row.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
            BenchmarkId id = BenchmarkId.of(benchmark, params);
            if (rows.put(id, value.asLong()) != null) {
                throw new IllegalArgumentException(source + ": two rows for " + id);
            }
        }
        return new Baseline(root.path("jdk").asText(""), rows);
    }

    /** Writes the baseline with one row per line, so that a re-recording diffs row by row. */
    void write(Path file) throws IOException {
        List<String> rows = new ArrayList<>();
        for (Map.Entry<BenchmarkId, Long> e : bytes.entrySet()) {
            ObjectNode row = JSON.createObjectNode();
            row.put("benchmark", e.getKey().benchmark());
            ObjectNode params = row.putObject("params");
            e.getKey().params().forEach(params::put);
            row.put("bytes_per_op", e.getValue());
            rows.add("    " + JSON.writeValueAsString(row));
        }
        Files.writeString(file, "{\n  \"about\": " + JSON.writeValueAsString(ABOUT) + ",\n  \"jdk\": "
                + JSON.writeValueAsString(jdk) + ",\n  \"benchmarks\": [\n" + String.join(",\n", rows) + "\n  ]\n}\n");
    }
}
