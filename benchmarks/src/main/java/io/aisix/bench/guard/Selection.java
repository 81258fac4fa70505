package io.aisix.bench.guard;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which benchmarks a guard run covers, in JMH's terms: a regular expression found in the full
 * benchmark name ({@code -e}/include) and, optionally, the only values of some parameters
 * ({@code -p name=v1,v2}). Baseline rows outside the selection are neither checked nor reported
 * as gone.
 */
record Selection(String include, Map<String, List<String>> params) {
    static final Selection ALL = new Selection(".*", Map.of());

    Selection {
        Pattern.compile(include); // a bad expression fails here, not inside JMH
        params = Map.copyOf(params);
    }

    /** Exactly one benchmark and parameter set. */
    static Selection exactly(BenchmarkId id) {
        return new Selection("^" + Pattern.quote(id.benchmark()) + "$", id.params().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))));
    }

    boolean covers(BenchmarkId id) {
        if (!Pattern.compile(include).matcher(id.benchmark()).find()) {
            return false;
        }
        for (Map.Entry<String, String> p : id.params().entrySet()) {
            List<String> only = params.get(p.getKey());
            if (only != null && !only.contains(p.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        String p = params.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + String.join(",", e.getValue())).collect(Collectors.joining(" "));
        return (include.equals(ALL.include) ? "every benchmark" : "benchmarks matching " + include)
                + (p.isEmpty() ? "" : " with " + p);
    }
}
