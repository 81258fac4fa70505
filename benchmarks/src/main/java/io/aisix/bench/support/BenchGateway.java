package io.aisix.bench.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.metrics.KernelMetrics;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.plugin.PluginConfigs;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway's request path without its sockets, for benchmarks. Every filter factory, provider
 * adapter and kind on the class path (the shipped plugins are dependencies of this module) is
 * started the way {@code io.aisix.kernel.Gateway} starts them, on the kernel's real
 * {@link KernelMetrics} and the in-memory cache and rate-limit backends; {@link #compile} builds
 * the request and per-try chains of a snapshot as {@code Gateway.compile} does, ending in the real
 * provider adapter, which talks to the given {@link UpstreamClient} instead of the network.
 *
 * <p>The access log runs (its writer thread formats every line) but its logger is switched off,
 * so benchmarks print nothing.
 */
public final class BenchGateway implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Held strongly: JUL keeps loggers weakly, and the level must stick. */
    private static final Logger ACCESS_LOG = Logger.getLogger("aisix.access");

    private final PluginRegistry plugins;
    private final KernelMetrics metrics = new KernelMetrics();
    private final KernelPluginContext context;
    private final ChainCompiler compiler;
    private final UpstreamClient upstream;
    private final List<ResourceKind<?>> kinds = new ArrayList<>();
    private final Map<String, ResourceKind<?>> kindsByName = new LinkedHashMap<>();
    private final List<FilterFactory> started = new ArrayList<>();
    private final List<CacheBackend> backends = new ArrayList<>();

    public BenchGateway(UpstreamClient upstream) {
        ACCESS_LOG.setLevel(Level.OFF);
        this.upstream = upstream;
        this.plugins = PluginRegistry.load(null, BenchGateway.class.getClassLoader());
        // every plugin at its defaults: memory cache and limits, access log on, 600 s upstream timeout
        GatewayConfig defaults = GatewayConfig.defaults();
        this.context = new KernelPluginContext(upstream, Clock.systemUTC(), metrics,
                PluginConfigs.bind(plugins, defaults.plugins()).byType(), Path.of(defaults.store().dataDir()),
                Duration.ofMillis(defaults.upstream().timeoutMs()));
        ResourceKinds.offer(plugins, context);
        kinds.addAll(ResourceKinds.assemble(plugins, context));
        kinds.forEach(k -> kindsByName.put(k.name(), k));
        Dispatcher dispatcher = new Dispatcher(0, new ModelHealth(), System::nanoTime, d -> Thread.sleep(d));
        this.compiler = new ChainCompiler(context, plugins, upstream, dispatcher);

        Map<String, CacheBackend> enabled = new LinkedHashMap<>();
        for (CacheBackend c : plugins.cacheBackends().values()) {
            if (c.start(context)) {
                enabled.put(c.id(), c);
            }
            backends.add(c);
        }
        context.registerAll(CacheBackend.class, enabled.values());
        for (FilterFactory f : plugins.filterFactories()) {
            f.start(context);
            started.add(f);
        }
    }

    /** The resource kinds as the snapshot manager gets them (guardrails validated by their kind). */
    public List<ResourceKind<?>> kinds() {
        return kinds;
    }

    /** A snapshot of stored rows, decoded by their kinds: kind name to (id to JSON text). */
    public Snapshot snapshot(Map<String, Map<String, String>> rows) {
        TestSnapshot.Builder b = TestSnapshot.builder();
        rows.forEach((kind, byId) -> byId.forEach((id, json) -> decode(b, kindsByName.get(kind), id, json)));
        return b.build();
    }

    private static <T> void decode(TestSnapshot.Builder b, ResourceKind<T> kind, String id, String json) {
        b.decode(kind, id, json);
    }

    /**
     * The request chain and the per-try chain of a snapshot, as the gateway builds them, activated
     * as the gateway activates a snapshot it serves: without that, observe's filter waits its
     * bounded two seconds for the activation at the end of every request.
     */
    public GatewayState compile(Snapshot snapshot) {
        ChainCompiler.Build build = compiler.compile(snapshot);
        Map<String, Throwable> failures = compiler.activate(build);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("activation failed: " + failures);
        }
        return build.state();
    }

    /** The gateway's compiler over these plugins, for a {@code SnapshotManager}. */
    public ChainCompiler compiler() {
        return compiler;
    }

    /** The filter that the factory {@code id} builds for a snapshot. */
    public io.aisix.spi.Filter filter(String id, Snapshot snapshot) {
        FilterContext ctx = ChainCompiler.context(snapshot, context);
        for (FilterFactory f : plugins.filterFactories()) {
            if (f.id().equals(id)) {
                return f.create(ctx).orElseThrow(() -> new IllegalStateException(id + " built no filter"));
            }
        }
        throw new IllegalArgumentException("no filter factory " + id);
    }

    /** The plugin context the filters were built with. */
    public PluginContext context() {
        return context;
    }

    /** An installed provider adapter. */
    public ProviderAdapter adapter(String id) {
        return plugins.adapters().get(id);
    }

    /** Ids of the filters of a compiled request chain, for checks in benchmark set-ups. */
    public static List<String> filterIds(GatewayState state) {
        List<String> ids = new ArrayList<>(state.chain().ids());
        ids.addAll(state.attempt().ids());
        return ids;
    }

    @Override
    public void close() {
        for (FilterFactory f : started.reversed()) {
            f.stop();
        }
        for (CacheBackend c : backends.reversed()) {
            c.stop();
        }
        metrics.close();
    }
}
