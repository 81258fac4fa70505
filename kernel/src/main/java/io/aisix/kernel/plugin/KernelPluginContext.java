package io.aisix.kernel.plugin;

import io.aisix.spi.HealthContributor;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.provider.UpstreamClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kernel's {@link PluginContext}: upstream and side-call clients, clock, the plugins' bound
 * configuration records, the metrics registry and one registry of shared services (exporter and guardrail kinds,
 * provider adapters, started cache backends, the shared Redis client) found by the
 * {@link PluginRegistry} or registered at startup.
 */
public final class KernelPluginContext implements PluginContext {
    private final UpstreamClient upstream;
    private final UpstreamClient sideCalls;
    private final Clock clock;
    private final GatewayMetrics metrics;
    private final Map<Class<?>, Record> configs;
    private final Path dataDir;
    private final Duration upstreamTimeout;
    private final Map<Class<?>, List<Object>> services = new ConcurrentHashMap<>();
    private final List<HealthContributor> health = new CopyOnWriteArrayList<>();

    /** A context without configuration records or gateway settings (tests and offline tools). */
    public KernelPluginContext(UpstreamClient upstream, Clock clock) {
        this(upstream, upstream, clock, GatewayMetrics.NOOP, Map.of(), Path.of("./data"), Duration.ofMinutes(10));
    }

    /** As the full constructor, with {@code upstream} for side calls too (benchmarks). */
    public KernelPluginContext(UpstreamClient upstream, Clock clock, GatewayMetrics metrics,
                               Map<Class<?>, Record> configs, Path dataDir, Duration upstreamTimeout) {
        this(upstream, upstream, clock, metrics, configs, dataDir, upstreamTimeout);
    }

    /**
     * @param sideCalls the client of {@link #sideCallClient()}
     * @param configs   the bound {@code plugins.<id>} records by their type (see {@link PluginConfigs})
     */
    public KernelPluginContext(UpstreamClient upstream, UpstreamClient sideCalls, Clock clock,
                               GatewayMetrics metrics, Map<Class<?>, Record> configs, Path dataDir, Duration upstreamTimeout) {
        this.upstream = upstream;
        this.sideCalls = sideCalls;
        this.clock = clock;
        this.metrics = metrics;
        this.configs = Map.copyOf(configs);
        this.dataDir = dataDir;
        this.upstreamTimeout = upstreamTimeout;
        register(GatewayMetrics.class, metrics);
    }

    @Override
    public GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    public UpstreamClient upstream() {
        return upstream;
    }

    @Override
    public UpstreamClient sideCallClient() {
        return sideCalls;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public <C extends Record> C config(Class<C> type) {
        Record c = configs.get(type);
        if (c == null) {
            throw new IllegalArgumentException("no installed plugin declares the configuration " + type.getName());
        }
        return type.cast(c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> List<T> services(Class<T> type) {
        List<Object> list = services.get(type);
        return list == null ? List.of() : (List<T>) List.copyOf(list);
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public Duration upstreamTimeout() {
        return upstreamTimeout;
    }

    /** Adds one shared service instance, after those of its type already registered. */
    public <T> void register(Class<T> type, T service) {
        services.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add(type.cast(service));
    }

    /** Adds several instances of one service type, in order. */
    public <T> void registerAll(Class<T> type, Collection<? extends T> instances) {
        instances.forEach(s -> register(type, s));
    }

    @Override
    public void addHealthContributor(HealthContributor contributor) {
        health.add(java.util.Objects.requireNonNull(contributor, "contributor"));
    }

    /** The dependencies plugins reported, in registration order. */
    public List<HealthContributor> healthContributors() {
        return List.copyOf(health);
    }
}
