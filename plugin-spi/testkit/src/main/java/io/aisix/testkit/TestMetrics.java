package io.aisix.testkit;

import io.aisix.spi.observe.GatewayMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * {@link GatewayMetrics} for unit tests: remembers counter totals by series, written
 * {@code name{label=value,...}} with the labels in the order they were given. Histograms and
 * gauges are ignored.
 */
public final class TestMetrics implements GatewayMetrics {
    private final Map<String, Double> counters = new ConcurrentHashMap<>();

    /** The series key {@code name{l1=v1,l2=v2}} of a name and its label pairs. */
    public static String series(String name, String... labels) {
        StringBuilder sb = new StringBuilder(name).append('{');
        for (int i = 0; i + 1 < labels.length; i += 2) {
            sb.append(i == 0 ? "" : ",").append(labels[i]).append('=').append(labels[i + 1]);
        }
        return sb.append('}').toString();
    }

    @Override
    public void add(String name, double amount, String... labels) {
        counters.merge(series(name, labels), amount, Double::sum);
    }

    @Override
    public void observe(String name, double value, String... labels) {
    }

    @Override
    public void gauge(String name, DoubleSupplier value, String... labels) {
    }

    /** A counter's total by its series key ({@code name{label=value,...}}); 0 when never added to. */
    public double get(String series) {
        return counters.getOrDefault(series, 0.0);
    }

    /** A counter's total by name and label pairs, in the order the code under test passes them. */
    public double counter(String name, String... labels) {
        return get(series(name, labels));
    }

    /** The sum of a counter over all its label values. */
    public double total(String name) {
        String prefix = name + "{";
        return counters.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue).sum();
    }
}
