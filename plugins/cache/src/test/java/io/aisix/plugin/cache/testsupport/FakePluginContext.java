package io.aisix.plugin.cache.testsupport;

import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.provider.UpstreamClient;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/** A {@link PluginContext} with settings from a map and a metrics registry tests can read. */
public final class FakePluginContext implements PluginContext {
    private final Clock clock;
    private final Map<String, String> settings;
    public final RecordingMetrics metrics = new RecordingMetrics();

    public FakePluginContext(Clock clock, Map<String, String> settings) {
        this.clock = clock;
        this.settings = settings;
    }

    @Override
    public UpstreamClient upstream() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Optional<String> setting(String path) {
        return Optional.ofNullable(settings.get(path));
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return Optional.empty();
    }

    @Override
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Counters by {@code name{label=value,...}}. */
    public static final class RecordingMetrics implements GatewayMetrics {
        public final Map<String, Double> counters = new ConcurrentHashMap<>();

        @Override
        public void add(String name, double amount, String... labels) {
            StringBuilder sb = new StringBuilder(name).append('{');
            for (int i = 0; i < labels.length; i += 2) {
                sb.append(i == 0 ? "" : ",").append(labels[i]).append('=').append(labels[i + 1]);
            }
            counters.merge(sb.append('}').toString(), amount, Double::sum);
        }

        public double get(String series) {
            return counters.getOrDefault(series, 0.0);
        }

        @Override
        public void observe(String name, double value, String... labels) {
        }

        @Override
        public void gauge(String name, DoubleSupplier value, String... labels) {
        }
    }
}
