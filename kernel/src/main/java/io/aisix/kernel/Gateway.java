package io.aisix.kernel;

import io.aisix.kernel.admin.AdminAuth;
import io.aisix.kernel.admin.AdminKeys;
import io.aisix.kernel.admin.HealthReport;
import io.aisix.kernel.admin.StatusRoutes;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.http.EndpointRouter;
import io.aisix.kernel.http.Lifecycle;
import io.aisix.kernel.http.Probes;
import io.aisix.kernel.http.StreamWarmUp;
import io.aisix.kernel.listeners.Listeners;
import io.aisix.kernel.managed.Heartbeat;
import io.aisix.kernel.managed.ManagedMode;
import io.aisix.kernel.metrics.KernelMetrics;
import io.aisix.kernel.metrics.MetricsEndpoint;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.plugin.PluginConfigs;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.plugin.StartedPlugins;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.stats.StatsDocuments;
import io.aisix.kernel.stats.UsageRing;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.embedded.EmbeddedStore;
import io.aisix.kernel.store.etcd.EtcdStore;
import io.aisix.kernel.store.file.ResourcesFileStore;
import io.aisix.kernel.tls.ListenerTls;
import io.aisix.kernel.upstream.DeploymentTls;
import io.aisix.kernel.upstream.EgressProxies;
import io.aisix.kernel.upstream.PooledUpstreamClient;
import io.aisix.kernel.upstream.SideCallClient;
import io.aisix.kernel.warmup.ShadowChain;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.SpendBoard;
import io.aisix.spi.observe.UsageStats;
import io.aisix.spi.resource.ResourceKind;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * One running gateway: store, snapshots, chains, listeners. Built from a validated
 * {@link GatewayConfig}; every startup failure is a {@link ConfigException} naming the key.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

    private final GatewayConfig config;
    private final ConfigStore store;
    private final SnapshotManager snapshots;
    private final Lifecycle lifecycle = new Lifecycle();
    private final PluginRegistry plugins;
    private final EndpointRouter endpoints;
    private final PooledUpstreamClient upstream;
    /** Webhooks, exporters and the heartbeat: Helidon's WebClient, built on their first call. */
    private final SideCallClient sideCalls;
    private final Dispatcher dispatcher;
    private final KernelPluginContext pluginContext;
    private final PluginConfigs pluginConfigs;
    /** Per-minute request statistics and the budget counters, for /admin/v1/stats and /spend. */
    private final StatsDocuments stats;
    private final KernelMetrics metrics = new KernelMetrics();
    private final StartedPlugins startedPlugins = new StartedPlugins();
    private final ManagedMode managed; // null unless deployment.mode is managed
    private final ResourcesFileStore resourcesFile; // null unless resources_file is set
    private final ListenerTls listenerTls;
    private final Listeners listeners;
    private StreamWarmUp warmUp; // null unless proxy.warm_up and serving

    /** Knobs for embedding and tests. */
    public record Options(Clock clock, Path pluginsDir, ClassLoader hostLoader, PrintStream console,
                          Dispatcher.Sleeper sleeper) {
        public static Options defaults(GatewayConfig config) {
            return new Options(Clock.systemUTC(), Path.of(config.plugins().dir()),
                    Gateway.class.getClassLoader(), System.out, d -> Thread.sleep(d));
        }

        public Options withPluginsDir(Path dir) {
            return new Options(clock, dir, hostLoader, console, sleeper);
        }

        public Options withSleeper(Dispatcher.Sleeper s) {
            return new Options(clock, pluginsDir, hostLoader, console, s);
        }
    }

    private Gateway(GatewayConfig config, Options options, Function<String, String> env) {
        this.config = config;
        this.listenerTls = new ListenerTls(options.clock());
        this.plugins = PluginRegistry.load(options.pluginsDir(), options.hostLoader());
        this.endpoints = new EndpointRouter(plugins.filterFactories());
        EgressProxies proxies = EgressProxies.resolve(config.upstream().proxy(), env);
        if (proxies.any()) {
            LOG.info(() -> "upstream egress proxy: " + proxies.describe());
        }
        DeploymentTls tls = new DeploymentTls(config.upstream().tls()); // one context for both clients
        this.upstream = PooledUpstreamClient.open(config.upstream(), proxies, tls);
        this.sideCalls = new SideCallClient(config.upstream(), proxies, tls);
        this.pluginConfigs = PluginConfigs.bind(plugins, config.plugins());
        this.pluginContext = new KernelPluginContext(upstream, sideCalls, options.clock(), metrics,
                pluginConfigs.byType(), Path.of(config.store().dataDir()),
                Duration.ofMillis(config.upstream().timeoutMs()));
        ResourceKinds.offer(plugins, pluginContext);
        this.stats = new StatsDocuments(new UsageRing(options.clock()), new StatsDocuments.Board());
        pluginContext.register(UsageStats.class, stats.ring());
        pluginContext.register(SpendBoard.class, stats.board());
        this.dispatcher = new Dispatcher(config.upstream().retries(), new ModelHealth(), System::nanoTime,
                options.sleeper());
        List<ResourceKind<?>> kinds = ResourceKinds.assemble(plugins, pluginContext);
        this.snapshots = new SnapshotManager(kinds, new ChainCompiler(pluginContext, plugins, upstream, dispatcher),
                options.clock());
        this.managed = config.managedMode() ? ManagedMode.open(config, env, options.clock()) : null;
        this.resourcesFile = managed == null && config.resourcesFile() != null
                ? ResourcesFileStore.open(Path.of(config.resourcesFile()), kinds, env, options.clock()) : null;
        this.store = managed != null ? managed.store() : resourcesFile != null ? resourcesFile : openStore(config);
        this.listeners = new Listeners(new Listeners.Services(config, lifecycle, snapshots, store, metrics, dispatcher,
                plugins, endpoints, () -> healthReport(options), pluginContext::healthContributors, stats,
                resourcesFile != null, options.clock(),
                options.hostLoader()),
                listenerTls);
    }

    /** Validates, binds the listeners and starts serving. */
    public static Gateway start(GatewayConfig config, Options options) {
        return start(config, options, System::getenv);
    }

    /**
     * As {@link #start(GatewayConfig, Options)}, with the environment that holds the managed-mode
     * PEM variables ({@code AISIX_MANAGED__CA_PEM} ...).
     */
    public static Gateway start(GatewayConfig config, Options options, Function<String, String> env) {
        Gateway g = new Gateway(config, options, env);
        try {
            g.startServing(options);
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    private static ConfigStore openStore(GatewayConfig config) {
        String backend = config.storeBackend();
        if (backend.equals("embedded")) {
            return new EmbeddedStore(Path.of(config.store().dataDir()));
        }
        return EtcdStore.create(config.etcd());
    }

    private void startServing(Options options) {
        // managed mode: no admin listener at all, so no admin key either (none is generated or printed)
        boolean adminOn = config.admin().enabled() && !config.managedMode();
        AdminAuth adminAuth = adminOn ? AdminKeys.resolve(config, options.console()) : null;
        List<String> reserved = new ArrayList<>(Probes.PATHS);
        reserved.addAll(StatusRoutes.PATHS);
        MetricsEndpoint.checkPath(config.metrics().path(), reserved);
        registerKernelMetrics();
        startedPlugins.start(plugins, pluginContext, pluginConfigs::spelling);
        store.watch(snapshots);
        listeners.start(adminAuth);
        upstream.warmUp();
        if (config.proxy().warmUp()) {
            warmUp = StreamWarmUp.start(config, endpoints, base -> ShadowChain.build(base, config, plugins,
                    pluginConfigs.byType(), endpoints, options.clock()), lifecycle::inFlight);
        }
        startHeartbeat(options);
    }

    /** The families the kernel owns; plugins add theirs through {@link PluginContext#metrics()}. */
    private void registerKernelMetrics() {
        metrics.describe("aisix_config_revision", "Store revision of the configuration snapshot being served");
        metrics.describe("aisix_config_source_connected", "1 while the configuration store is reachable");
        metrics.describe("aisix_in_flight_requests", "Proxy requests in flight, streams included");
        metrics.describe("aisix_config_rejected_rows", "Store rows that failed validation, by kind");
        // counted here for requests answered before the chain runs, by the observe plugin for the rest
        metrics.describe("aisix_requests_total", "Proxy requests by route, model alias, provider and HTTP status");
        metrics.gauge("aisix_config_revision", snapshots::revision);
        metrics.gauge("aisix_config_source_connected", () -> snapshots.connected() ? 1 : 0);
        metrics.gauge("aisix_in_flight_requests", lifecycle::inFlight);
        for (String kind : snapshots.kinds().keySet()) {
            metrics.gauge("aisix_config_rejected_rows",
                    () -> snapshots.rejected().stream().filter(r -> r.kind().equals(kind)).count(), "kind", kind);
        }
    }

    /** Connections open on a listener ({@code proxy}, {@code admin}, {@code metrics}) right now. */
    public int openConnections(String listener) {
        return listeners.openConnections(listener);
    }

    private HealthReport healthReport(Options options) {
        return new HealthReport(snapshots, dispatcher.health(), store, Optional.ofNullable(resourcesFile),
                pluginContext::healthContributors, options.clock());
    }

    /** Managed mode: heartbeats carry the applied revision and the health status of /admin/v1/health. */
    private void startHeartbeat(Options options) {
        if (managed != null) {
            HealthReport health = healthReport(options);
            managed.startHeartbeat(sideCalls, () -> new Heartbeat.Status(snapshots.revision(),
                    health.get().path("status").asText("unknown"), snapshots.connected()));
        }
    }

    /**
     * Re-reads the listeners' TLS files (SIGHUP) and swaps them in without closing connections.
     * Returns {@code key: reason} for each listener that failed and keeps its old certificate.
     */
    public List<String> reloadTls() {
        return listenerTls.reload(listeners.server());
    }

    /**
     * Re-reads the resources file (SIGHUP in file mode) and applies it whole, or refuses it whole
     * while the previous configuration keeps serving; empty when the gateway has no resources file.
     */
    public Optional<ResourcesFileStore.Outcome> reloadResources() {
        return Optional.ofNullable(resourcesFile).map(ResourcesFileStore::reload);
    }

    /** The resources file being served, empty unless {@code resources_file} is set. */
    public Optional<ResourcesFileStore> resourcesFile() {
        return Optional.ofNullable(resourcesFile);
    }

    /** Managed mode's state (environment, gateway id, heartbeat), empty in self-hosted mode. */
    public Optional<ManagedMode> managed() {
        return Optional.ofNullable(managed);
    }

    public GatewayConfig config() {
        return config;
    }

    public SnapshotManager snapshots() {
        return snapshots;
    }

    public PluginRegistry plugins() {
        return plugins;
    }

    public KernelPluginContext pluginContext() {
        return pluginContext;
    }

    public KernelMetrics metrics() {
        return metrics;
    }

    /**
     * The start-up warm-up ({@code proxy.warm_up}), empty when it is off or the gateway does not
     * serve chat completions; for diagnostics and tests.
     */
    public Optional<StreamWarmUp> warmUp() {
        return Optional.ofNullable(warmUp);
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    public ConfigStore store() {
        return store;
    }

    public int proxyPort() {
        return listeners.server().port();
    }

    /** The admin listener's port, or -1 when it is off (Helidon's answer for an unknown socket). */
    public int adminPort() {
        return listeners.server().port("admin");
    }

    public int metricsPort() {
        return listeners.server().port("metrics");
    }

    /**
     * Begins a drain: probes answer 503 at once while the listeners keep accepting; returns once
     * {@code minimum} has passed and nothing is in flight (streams included), or once
     * {@code maximum} more has passed after {@code minimum}. Returns true when nothing was left in
     * flight. See {@link Lifecycle#drain}.
     */
    public boolean drain(Duration minimum, Duration maximum) {
        return lifecycle.drain(minimum, maximum);
    }

    @Override
    public void close() {
        if (warmUp != null) {
            warmUp.close();
        }
        listeners.close();
        if (managed != null) {
            managed.close();
        }
        startedPlugins.stop();
        store.close();
        upstream.close();
        sideCalls.close();
        metrics.close();
    }
}
