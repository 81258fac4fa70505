package io.aisix.plugin.observe;

import io.aisix.spi.observe.GatewayMetrics;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/** Metrics that remember counter totals by name and labels (unit tests). */
final class RecordingMetrics implements GatewayMetrics {
    private final Map<String, Double> counters = new ConcurrentHashMap<>();

    private static String key(String name, String... labels) {
        return name + Arrays.toString(labels);
    }

    @Override
    public void add(String name, double amount, String... labels) {
        counters.merge(key(name, labels), amount, Double::sum);
    }

    @Override
    public void observe(String name, double value, String... labels) {
    }

    @Override
    public void gauge(String name, DoubleSupplier value, String... labels) {
    }

    long counter(String name, String... labels) {
        return counters.getOrDefault(key(name, labels), 0.0).longValue();
    }
}
