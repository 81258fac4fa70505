package io.aisix.spi;

import io.aisix.spi.provider.UpstreamClient;
import java.time.Clock;
import java.util.Optional;

/**
 * Services the kernel lends to plugins. Plugins never open upstream sockets themselves: they use
 * {@link #upstream()}, which is pooled and applies the configured timeouts and TLS settings.
 */
public interface PluginContext {

    UpstreamClient upstream();

    /** The clock for TTLs and windows; tests inject a fixed or stepping one. */
    Clock clock();

    /**
     * A process-level setting from the startup config by dotted path (for example
     * {@code cache.redis.url}), as text.
     */
    Optional<String> setting(String path);

    /**
     * A process-wide shared service registered by another plugin or the kernel (a metrics sink,
     * a Redis connection), looked up by type.
     */
    <T> Optional<T> service(Class<T> type);

    /**
     * Ids of the installed provider adapters, so a resolver can pick the first of a model's
     * {@code provider}, its key's {@code provider} and the key's {@code adapter} that is installed.
     * Empty when unknown (unit tests).
     */
    default java.util.Set<String> adapterIds() {
        return java.util.Set.of();
    }

    /**
     * The cache backends the startup config enabled, by {@link io.aisix.spi.cache.CacheBackend#id()}
     * (started before any filter factory; see {@link io.aisix.spi.cache.CacheBackend#start}). Empty
     * when unknown (unit tests).
     */
    default java.util.Map<String, io.aisix.spi.cache.CacheBackend> cacheBackends() {
        return java.util.Map.of();
    }

    /** The gateway's metrics registry. */
    default io.aisix.spi.observe.GatewayMetrics metrics() {
        return io.aisix.spi.observe.GatewayMetrics.NOOP;
    }

    /**
     * Extensions of one SPI type that the kernel discovered at startup in every plugin folder
     * ({@link io.aisix.spi.observe.ExporterKind}, {@link io.aisix.spi.guardrail.GuardrailKind},
     * {@link io.aisix.spi.cache.CacheBackend}), so a filter plugin can use kinds that other plugins
     * ship in their own class loaders. Empty for a type the kernel does not collect, and in unit
     * tests.
     */
    default <T> java.util.List<T> extensions(Class<T> type) {
        return java.util.List.of();
    }

    /**
     * Reports a run-time dependency in {@code /admin/v1/health} (see {@link HealthContributor}).
     * Ignored where nothing reports health (unit tests).
     */
    default void addHealthContributor(HealthContributor contributor) {
    }
}
