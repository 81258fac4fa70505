package io.aisix.testkit;

import io.aisix.spi.FilterContext;
import io.aisix.spi.HealthContributor;
import io.aisix.spi.PluginContext;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.Snapshot;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PluginContext} for unit tests, set up fluently. Defaults: the system UTC clock, no
 * settings, no services, no adapter ids, a fresh {@link TestMetrics}, and an {@link #upstream()}
 * that throws until a client is given (a test that needs outbound HTTP passes a real one, such as
 * {@link TestUpstreamClient} or the kernel's).
 *
 * <pre>{@code
 * TestPluginContext ctx = new TestPluginContext().clock(clock).setting("cache.memory.max_entries", "10");
 * filterFactory.create(ctx.filterContext(snapshot));
 * assertEquals(1, ctx.metrics().counter("aisix_cache_requests_total", "policy", "main", "outcome", "hit"));
 * }</pre>
 */
public final class TestPluginContext implements PluginContext {
    private volatile Clock clock = Clock.systemUTC();
    private volatile UpstreamClient upstream;
    private final TestMetrics metrics;
    private volatile Set<String> adapterIds = Set.of();
    private final Map<String, String> settings = new ConcurrentHashMap<>();
    private final Map<Class<?>, Object> services = new ConcurrentHashMap<>();
    private final List<HealthContributor> health = new CopyOnWriteArrayList<>();

    /** A context with its own {@link TestMetrics}. */
    public TestPluginContext() {
        this(new TestMetrics());
    }

    /** A context recording into {@code metrics}, which several contexts of one test may share. */
    public TestPluginContext(TestMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    public TestPluginContext clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    public TestPluginContext upstream(UpstreamClient upstream) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        return this;
    }

    public TestPluginContext setting(String path, String value) {
        settings.put(path, value);
        return this;
    }

    public TestPluginContext settings(Map<String, String> values) {
        settings.putAll(values);
        return this;
    }

    public <T> TestPluginContext service(Class<T> type, T service) {
        services.put(type, type.cast(Objects.requireNonNull(service, "service")));
        return this;
    }

    public TestPluginContext adapterIds(String... ids) {
        this.adapterIds = Set.of(ids);
        return this;
    }

    /** A {@link FilterContext} of this context and a snapshot. */
    public FilterContext filterContext(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        PluginContext self = this;
        return new FilterContext() {
            @Override
            public Snapshot snapshot() {
                return snapshot;
            }

            @Override
            public PluginContext plugin() {
                return self;
            }
        };
    }

    @Override
    public UpstreamClient upstream() {
        UpstreamClient u = upstream;
        if (u == null) {
            throw new UnsupportedOperationException("no upstream client in this test context");
        }
        return u;
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
        return Optional.ofNullable(services.get(type)).map(type::cast);
    }

    @Override
    public Set<String> adapterIds() {
        return adapterIds;
    }

    /** The metrics registry, a {@link TestMetrics} so tests can read counters back. */
    @Override
    public TestMetrics metrics() {
        return metrics;
    }

    @Override
    public void addHealthContributor(HealthContributor contributor) {
        health.add(Objects.requireNonNull(contributor, "contributor"));
    }

    /** The dependencies the plugin under test reported, in order. */
    public List<HealthContributor> healthContributors() {
        return List.copyOf(health);
    }
}
