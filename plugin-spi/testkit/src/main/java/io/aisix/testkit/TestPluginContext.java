package io.aisix.testkit;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.FilterContext;
import io.aisix.spi.HealthContributor;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Response;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.Snapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PluginContext} for unit tests, set up fluently. Defaults: the system UTC clock, no
 * configuration records (a plugin's {@link #config} then throws), no services, a fresh
 * {@link TestMetrics}, and an {@link #upstream()} that throws until a client is given (a test that
 * needs outbound HTTP passes a real one, such as {@link TestUpstreamClient} or the kernel's); it is
 * the {@link #sideCallClient()} too unless a side-call client of its own is given (a test that
 * must tell the two apart, as the exporter contract does).
 *
 * <pre>{@code
 * TestPluginContext ctx = new TestPluginContext().clock(clock).config(new CacheConfig("memory", null));
 * filterFactory.create(ctx.filterContext(snapshot));
 * assertEquals(1, ctx.metrics().counter("aisix_cache_requests_total", "policy", "main", "outcome", "hit"));
 * }</pre>
 */
public final class TestPluginContext implements PluginContext {
    private volatile Clock clock = Clock.systemUTC();
    private volatile UpstreamClient upstream;
    private volatile UpstreamClient sideCalls;
    private volatile Path dataDir = Path.of("./data");
    private final TestMetrics metrics;
    private final Map<Class<?>, Record> configs = new ConcurrentHashMap<>();
    private final Map<Class<?>, List<Object>> services = new ConcurrentHashMap<>();
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

    /** The client {@link #sideCallClient()} returns instead of {@link #upstream()}. */
    public TestPluginContext sideCallClient(UpstreamClient sideCalls) {
        this.sideCalls = Objects.requireNonNull(sideCalls, "sideCalls");
        return this;
    }

    /** The folder {@link #dataDir()} returns: give tests a temporary one, so nothing is written in the module. */
    public TestPluginContext dataDir(Path dataDir) {
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        return this;
    }

    /** The configuration record {@link #config(Class)} returns for its type. */
    public TestPluginContext config(Record config) {
        configs.put(config.getClass(), config);
        return this;
    }

    /** Adds one instance of a service type, after those already given. */
    public <T> TestPluginContext service(Class<T> type, T service) {
        services.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>())
                .add(type.cast(Objects.requireNonNull(service, "service")));
        return this;
    }

    /** Installs provider adapters with these ids (they only answer {@code id()}), as a resolver sees them. */
    public TestPluginContext adapterIds(String... ids) {
        for (String id : ids) {
            service(ProviderAdapter.class, new ProviderAdapter() {
                @Override
                public String id() {
                    return id;
                }

                @Override
                public boolean supports(Endpoint endpoint) {
                    return false;
                }

                @Override
                public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
                    throw new UnsupportedOperationException("adapter " + id + " only has an id in this test");
                }
            });
        }
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
    public UpstreamClient sideCallClient() {
        UpstreamClient s = sideCalls;
        return s != null ? s : upstream();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public <C extends Record> C config(Class<C> type) {
        Record c = configs.get(type);
        if (c == null) {
            throw new IllegalArgumentException("no " + type.getSimpleName() + " given to this test context");
        }
        return type.cast(c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> List<T> services(Class<T> type) {
        List<Object> list = services.get(type);
        return list == null ? List.of() : (List<T>) List.copyOf(list);
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
