package io.aisix.spi;

import io.aisix.spi.provider.UpstreamClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Services the kernel lends to plugins. Plugins never open upstream sockets themselves: they use
 * {@link #upstream()} for provider calls and {@link #sideCallClient()} for their own outbound calls;
 * both are pooled and apply the configured egress proxy, timeouts and TLS settings.
 */
public interface PluginContext {

    /** The client of provider calls, on the request path: the one {@code upstream.client} selects. */
    UpstreamClient upstream();

    /**
     * The client of a plugin's own outbound calls off the provider path: webhook guardrails,
     * observability exporters and the like. In the gateway it is Helidon's WebClient over HTTP/1.1
     * whatever {@code upstream.client} says, built on the first call, with the same egress proxy,
     * {@code upstream.tls} (or the request's {@code caPem}), connect timeout and default timeout as
     * {@link #upstream()}; a request's own timeout bounds each read, not the whole exchange.
     *
     * <p>Defaults to {@link #upstream()}, for contexts that have a single client (unit tests).
     */
    default UpstreamClient sideCallClient() {
        return upstream();
    }

    /** The clock for TTLs and windows; tests inject a fixed or stepping one. */
    Clock clock();

    /**
     * The plugin's start-up configuration, bound from {@code plugins.<id>:} (see
     * {@link PluginConfig}): the record of the type a {@link PluginConfig} declares. Available from
     * {@code start} on; a section that is absent from the file binds to the record's defaults.
     *
     * @throws IllegalArgumentException when no installed {@link PluginConfig} declares {@code type}
     */
    <C extends Record> C config(Class<C> type);

    /**
     * Every instance of one service type, from the kernel or from other plugins, in a stable order
     * (the one typed lookup across plugin class loaders). The types offered by the kernel:
     * {@link io.aisix.spi.provider.ProviderAdapter} (the installed adapters),
     * {@link io.aisix.spi.observe.ExporterKind} and {@link io.aisix.spi.guardrail.GuardrailKind}
     * (the kinds of every plugin folder), {@link io.aisix.spi.guardrail.GuardrailKinds},
     * {@link io.aisix.spi.cache.CacheBackend} (the backends that started and are on; available
     * once every backend's {@code start} returned, so filter factories see them),
     * {@link io.aisix.spi.redis.RedisService} (the shared Redis client, when the {@code redis}
     * plugin is installed; before any cache backend or filter factory starts),
     * {@link io.aisix.spi.observe.GatewayMetrics}, {@link io.aisix.spi.observe.UsageStats} (the
     * console's request statistics) and {@link io.aisix.spi.observe.SpendBoard} (where a budgets
     * plugin reports its counters). Empty for a type nobody offers, and in unit
     * tests unless the test registers one. A shared type must come from a parent-loaded module
     * (this SPI), since each plugin folder has its own class loader.
     */
    <T> List<T> services(Class<T> type);

    /** The first of {@link #services}, for a type that has one instance. */
    default <T> Optional<T> service(Class<T> type) {
        return services(type).stream().findFirst();
    }

    /** The gateway's metrics registry. */
    default io.aisix.spi.observe.GatewayMetrics metrics() {
        return io.aisix.spi.observe.GatewayMetrics.NOOP;
    }

    /**
     * A folder for state a plugin keeps across restarts on this instance (the kernel's
     * {@code store.data_dir}); plugins name their own files inside it.
     */
    default Path dataDir() {
        return Path.of("./data");
    }

    /**
     * The deadline of a whole non-streaming upstream call ({@code upstream.timeout_ms}; zero: none),
     * so that leases held for a request in flight outlive it.
     */
    default Duration upstreamTimeout() {
        return Duration.ofMinutes(10);
    }

    /**
     * Reports a run-time dependency in {@code /admin/v1/health} (see {@link HealthContributor}).
     * Ignored where nothing reports health (unit tests).
     */
    default void addHealthContributor(HealthContributor contributor) {
    }
}
