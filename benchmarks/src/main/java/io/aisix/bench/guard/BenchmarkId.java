package io.aisix.bench.guard;

import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One benchmark and parameter set, as JMH names it: the benchmark method's full name
 * ({@code io.aisix.bench.ChainDispatchBenchmark.dispatch}) and its {@code @Param} values by name.
 */
record BenchmarkId(String benchmark, SortedMap<String, String> params) implements Comparable<BenchmarkId> {
    private static final Comparator<BenchmarkId> ORDER =
            Comparator.comparing(BenchmarkId::benchmark).thenComparing(BenchmarkId::paramText);

    BenchmarkId {
        params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
    }

    static BenchmarkId of(String benchmark, Map<String, String> params) {
        return new BenchmarkId(benchmark, new TreeMap<>(params));
    }

    /** {@code name=value} pairs sorted by name and joined by commas; empty without parameters. */
    String paramText() {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /** The class's simple name and the method, for tables. */
    String shortName() {
        int method = benchmark.lastIndexOf('.');
        int type = method > 0 ? benchmark.lastIndexOf('.', method - 1) : -1;
        return benchmark.substring(type + 1);
    }

    @Override
    public int compareTo(BenchmarkId o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return params.isEmpty() ? shortName() : shortName() + " (" + paramText() + ")";
    }
}
