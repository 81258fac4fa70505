package io.aisix.kernel.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.HealthContributor;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.provider.UpstreamClient;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kernel's {@link PluginContext}: upstream client, clock, settings, shared services, the
 * metrics registry and the extensions (exporter kinds, guardrail kinds, cache backends) found by
 * the {@link PluginRegistry}.
 */
public final class KernelPluginContext implements PluginContext {
    private final UpstreamClient upstream;
    private final Clock clock;
    private final JsonNode settings;
    private final Map<Class<?>, Object> services = new ConcurrentHashMap<>();
    private final Set<String> adapterIds;
    private final GatewayMetrics metrics;
    private final Map<Class<?>, List<?>> extensions;
    private volatile Map<String, CacheBackend> cacheBackends = Map.of();
    private final List<HealthContributor> health = new CopyOnWriteArrayList<>();

    /**
     * @param settings the startup config as a tree (snake_case keys); secrets such as admin keys
     *                 must already be removed
     */
    public KernelPluginContext(UpstreamClient upstream, Clock clock, JsonNode settings, Set<String> adapterIds) {
        this(upstream, clock, settings, adapterIds, GatewayMetrics.NOOP, Map.of());
    }

    /**
     * @param extensions per SPI type, the instances {@link #extensions(Class)} hands out
     */
    public KernelPluginContext(UpstreamClient upstream, Clock clock, JsonNode settings, Set<String> adapterIds,
                               GatewayMetrics metrics, Map<Class<?>, List<?>> extensions) {
        this.upstream = upstream;
        this.clock = clock;
        this.settings = settings;
        this.adapterIds = Set.copyOf(adapterIds);
        this.metrics = metrics;
        this.extensions = Map.copyOf(extensions);
        services.put(GatewayMetrics.class, metrics);
    }

    @Override
    public GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> List<T> extensions(Class<T> type) {
        List<?> list = extensions.get(type);
        return list == null ? List.of() : (List<T>) list;
    }

    @Override
    public Set<String> adapterIds() {
        return adapterIds;
    }

    @Override
    public UpstreamClient upstream() {
        return upstream;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Optional<String> setting(String path) {
        JsonNode n = settings;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(n.isValueNode() ? n.asText() : n.toString());
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return Optional.ofNullable(type.cast(services.get(type)));
    }

    @Override
    public Map<String, CacheBackend> cacheBackends() {
        return cacheBackends;
    }

    /** Publishes the cache backends that started (set once at startup, before any snapshot is built). */
    public void cacheBackends(Map<String, CacheBackend> started) {
        this.cacheBackends = Map.copyOf(started);
    }

    /** Registers a shared service (the kernel's metrics, a plugin's connection). */
    public <T> void register(Class<T> type, T service) {
        services.put(type, service);
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
