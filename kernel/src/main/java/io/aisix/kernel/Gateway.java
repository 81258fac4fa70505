package io.aisix.kernel;

import io.aisix.kernel.admin.AdminAuth;
import io.aisix.kernel.admin.AdminExtension;
import io.aisix.kernel.admin.AdminRoutes;
import io.aisix.kernel.admin.HealthReport;
import io.aisix.kernel.admin.ResourceService;
import io.aisix.kernel.admin.SchemaRoutes;
import io.aisix.kernel.admin.StatusRoutes;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.config.Addr;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.config.UrlRewrites;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.http.ClientAddress;
import io.aisix.kernel.http.ConnectionGuard;
import io.aisix.kernel.http.DrainFilter;
import io.aisix.kernel.http.Lifecycle;
import io.aisix.kernel.http.ListenerErrors;
import io.aisix.kernel.http.Probes;
import io.aisix.kernel.http.ProxyHandler;
import io.aisix.kernel.http.RequestValidator;
import io.aisix.kernel.managed.Heartbeat;
import io.aisix.kernel.managed.ManagedMode;
import io.aisix.kernel.metrics.KernelMetrics;
import io.aisix.kernel.metrics.MetricsEndpoint;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.plugin.PluginCalls;
import io.aisix.kernel.plugin.PluginConfigs;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.stats.StatsDocuments;
import io.aisix.kernel.stats.UsageRing;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.kernel.store.embedded.EmbeddedStore;
import io.aisix.kernel.store.etcd.EtcdStore;
import io.aisix.kernel.store.file.ResourcesFileStore;
import io.aisix.kernel.tls.ListenerTls;
import io.aisix.kernel.upstream.Http1UpstreamClient;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.StartupException;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.observe.SpendBoard;
import io.aisix.spi.observe.UsageStats;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
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
    private final Http1UpstreamClient upstream;
    private final Dispatcher dispatcher;
    private final KernelPluginContext pluginContext;
    private final PluginConfigs pluginConfigs;
    /** Per-minute request statistics and the budget counters, for /admin/v1/stats and /spend. */
    private final StatsDocuments stats;
    private final KernelMetrics metrics = new KernelMetrics();
    private final List<FilterFactory> started = new ArrayList<>();
    private final ManagedMode managed; // null unless deployment.mode is managed
    private final ResourcesFileStore resourcesFile; // null unless resources_file is set
    private final ListenerTls listenerTls;
    private final List<CacheBackend> startedBackends = new ArrayList<>();
    private final List<AdminExtension> adminExtensions = new ArrayList<>();
    private final List<ConnectionGuard> guards = new java.util.concurrent.CopyOnWriteArrayList<>();
    private WebServer server;

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
        this.upstream = new Http1UpstreamClient(config.upstream());
        this.pluginConfigs = PluginConfigs.bind(plugins, config.plugins());
        this.pluginContext = new KernelPluginContext(upstream, options.clock(), metrics, pluginConfigs.byType(),
                Path.of(config.store().dataDir()), Duration.ofMillis(config.upstream().timeoutMs()));
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

    private void startPlugins() {
        // cache backends first: cache filters find them through the plugin context
        Map<String, CacheBackend> enabled = new LinkedHashMap<>();
        for (CacheBackend c : plugins.cacheBackends().values()) {
            try {
                boolean on = PluginCalls.get(c, () -> c.start(pluginContext));
                startedBackends.add(c);
                if (on) {
                    enabled.put(c.id(), c);
                }
            } catch (StartupException e) {
                throw new ConfigException(pluginConfigs.spelling(e.key()), e.getMessage(), e);
            }
        }
        pluginContext.registerAll(CacheBackend.class, enabled.values());
        for (FilterFactory f : plugins.filterFactories()) {
            try {
                PluginCalls.run(f, () -> f.start(pluginContext));
                started.add(f);
            } catch (StartupException e) {
                throw new ConfigException(pluginConfigs.spelling(e.key()), e.getMessage(), e);
            }
        }
    }

    private void startServing(Options options) {
        // managed mode: no admin listener at all, so no admin key either (none is generated or printed)
        boolean adminOn = config.admin().enabled() && !config.managedMode();
        AdminAuth adminAuth = adminOn ? adminAuth(options.console()) : null;
        boolean metricsOn = config.metrics().enabled();
        String metricsPath = config.metrics().path();
        if (!metricsPath.startsWith("/") || metricsPath.startsWith("/admin/") || metricsPath.equals("/livez")
                || metricsPath.equals("/readyz") || StatusRoutes.PATHS.contains(metricsPath)) {
            throw new ConfigException("metrics.path", "must be an absolute path outside /admin/, the probes and /status/*");
        }
        registerKernelMetrics();
        startPlugins();
        store.watch(snapshots);
        Addr proxyAddr = Addr.parse("proxy.addr", config.proxy().addr());
        Addr adminAddr = Addr.parse("admin.addr", config.admin().addr());
        Optional<Addr> metricsAddr = !metricsOn || config.metrics().addr().isEmpty() ? Optional.empty()
                : Optional.of(Addr.parse("metrics.addr", config.metrics().addr()));
        Map<String, Addr> listeners = new LinkedHashMap<>();
        listeners.put("proxy.addr", proxyAddr);
        if (adminOn) {
            listeners.put("admin.addr", adminAddr);
        }
        metricsAddr.ifPresent(a -> listeners.put("metrics.addr", a));
        checkDistinct(listeners);
        listeners.forEach(Gateway::checkFree);

        DrainFilter drainFilter = new DrainFilter(lifecycle);
        Probes probes = new Probes(lifecycle, snapshots, store, config.store().readyWhileDisconnected());
        ProxyHandler proxy = new ProxyHandler(snapshots, lifecycle, config.proxy().requestBodyLimitBytes(), metrics,
                UrlRewrites.compile(config.proxy().urlRewrites()), new ClientAddress(
                        config.proxy().realIp().trustedProxies(), config.proxy().realIp().recursive(),
                        config.proxy().realIp().header()),
                new RequestValidator(config.proxy().maxJsonDepth(), config.proxy().maxJsonNumberLength()));
        WebServerConfig.Builder b = WebServer.builder()
                .shutdownHook(false)
                .host(proxyAddr.host())
                .port(proxyAddr.port())
                .connectionOptions(o -> o.tcpNoDelay(true))
                .maxPayloadSize(-1)
                .routing(r -> r.addFilter(ListenerErrors.closeFilter(false, false)).addFilter(drainFilter)
                        .register(probes).any(proxy));
        // Response headers on the proxy come from the kernel and the plugins (request id,
        // cache and rate-limit state, alias names), never copied from upstream answers or
        // from unvalidated caller input, so Helidon's per-header check (2% of CPU) is off.
        guard("proxy", config.proxy().headerTimeoutMs(), config.proxy().bodyTimeoutMs(), config.proxy().idleTimeoutMs(),
                config.proxy().maxConnections(), ListenerErrors.Style.PROXY)
                .apply(b, WebServer.DEFAULT_SOCKET_NAME, Http1Config.builder().validateResponseHeaders(false));
        listenerTls.listener(WebServer.DEFAULT_SOCKET_NAME, "proxy.tls", config.proxy().tls()).ifPresent(b::tls);
        MetricsEndpoint metricsEndpoint = new MetricsEndpoint(metrics, metricsPath);
        // AISIX's status endpoints live beside /metrics: on its listener, or on the admin listener
        StatusRoutes status = new StatusRoutes(snapshots, store, dispatcher, options.clock(), resourcesFile != null);
        if (adminOn) {
            HealthReport health = healthReport(options);
            AdminRoutes admin = new AdminRoutes(adminAuth, new ResourceService(store, snapshots.kinds()), health,
                    plugins.plugins(), status::models, stats);
            loadAdminExtensions(options.hostLoader());
            b.putSocket("admin", s -> listener(s, "admin", adminAddr, "admin.tls", config.admin().tls())
                    .routing(r -> {
                        r.addFilter(ListenerErrors.closeFilter(true, true));
                        r.addFilter(drainFilter).register(probes).register(AdminRoutes.PREFIX, admin)
                                .register(SchemaRoutes.PREFIX, new SchemaRoutes(List.copyOf(snapshots.kinds().values())));
                        if (metricsOn && metricsAddr.isEmpty()) {
                            r.register(metricsEndpoint).register(status);
                        }
                        AdminExtension.Context ctx = extensionContext(adminAuth, proxyAddr);
                        adminExtensions.forEach(e -> e.routing(r, ctx));
                        r.any(AdminRoutes::notFound); // JSON, never Helidon's text/plain "Endpoint not found"
                    }));
        }
        metricsAddr.ifPresent(a -> b.putSocket("metrics", s -> listener(s, "metrics", a, "metrics.tls",
                        config.metrics().tls())
                .routing((HttpRouting.Builder r) -> r.addFilter(ListenerErrors.closeFilter(true, true))
                        .addFilter(drainFilter).register(probes).register(metricsEndpoint).register(status)
                        .any(AdminRoutes::notFound))));
        server = b.build().start();
        if (!server.isRunning()) {
            // Helidon logs a listener that failed to bind and stops the others without throwing:
            // a port another process took after checkFree. Name it, instead of serving nothing.
            listeners.forEach(Gateway::checkFree);
            throw new ConfigException("proxy.addr", "the listeners could not all bind their ports (see the log above)");
        }
        upstream.warmUp();
        startHeartbeat(options);
    }

    /** Admin-listener extensions on the host class path only (never from the plugins folder). */
    private void loadAdminExtensions(ClassLoader hostLoader) {
        try {
            ServiceLoader.load(AdminExtension.class, hostLoader).forEach(adminExtensions::add);
        } catch (ServiceConfigurationError e) {
            throw new ConfigException("admin", "an admin extension on the class path failed to load: " + e.getMessage(), e);
        }
    }

    private AdminExtension.Context extensionContext(AdminAuth auth, Addr proxyAddr) {
        Optional<Path> cert = Optional.ofNullable(config.proxy().tls()).map(GatewayConfig.Tls::certFile).map(Path::of);
        // a wildcard bind is reached over loopback; a specific address only on itself
        String host = switch (proxyAddr.host()) {
            case "", "0.0.0.0", "*" -> "127.0.0.1";
            case "::", "[::]" -> "[::1]";
            default -> proxyAddr.host().contains(":") ? "[" + proxyAddr.host() + "]" : proxyAddr.host();
        };
        String scheme = cert.isPresent() ? "https" : "http";
        return new AdminExtension.Context() {
            @Override
            public boolean authorized(ServerRequest request) {
                return auth.allowed(request.headers().first(HeaderNames.AUTHORIZATION),
                        request.headers().first(HeaderNames.create("x-api-key")));
            }

            @Override
            public boolean isAdminKey(String key) {
                return key != null && auth.allowed(Optional.of("Bearer " + key), Optional.empty());
            }

            @Override
            public URI proxyUri() {
                return URI.create(scheme + "://" + host + ":" + server.port());
            }

            @Override
            public Optional<Path> proxyCertificate() {
                return cert;
            }

            @Override
            public List<AdminRoutes.Route> adminRoutes() {
                return AdminRoutes.ROUTES;
            }
        };
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

    private ListenerConfig.Builder listener(ListenerConfig.Builder s, String socket, Addr addr, String tlsKey,
                                            GatewayConfig.Tls tls) {
        s.host(addr.host()).port(addr.port()).connectionOptions(o -> o.tcpNoDelay(true));
        listenerTls.listener(socket, tlsKey, tls).ifPresent(s::tls);
        // the admin listener's limits serve the metrics listener too (both are operator-facing)
        GatewayConfig.Admin a = config.admin();
        guard(socket, a.headerTimeoutMs(), a.bodyTimeoutMs(), a.idleTimeoutMs(), a.maxConnections(),
                ListenerErrors.Style.ADMIN).apply(s, socket, Http1Config.builder());
        return s;
    }

    private ConnectionGuard guard(String socket, long headerMs, long bodyMs, long idleMs, int maxConnections,
                                  ListenerErrors.Style style) {
        ConnectionGuard g = new ConnectionGuard(socket, new ConnectionGuard.Limits(Duration.ofMillis(headerMs),
                Duration.ofMillis(bodyMs), Duration.ofMillis(idleMs), maxConnections), new ListenerErrors(style));
        guards.add(g);
        return g;
    }

    /** Connections open on a listener ({@code proxy}, {@code admin}, {@code metrics}) right now. */
    public int openConnections(String listener) {
        return guards.stream().filter(g -> g.listener().equals(listener)).mapToInt(ConnectionGuard::openConnections)
                .sum();
    }

    private HealthReport healthReport(Options options) {
        return new HealthReport(snapshots, dispatcher.health(), store, Optional.ofNullable(resourcesFile),
                pluginContext::healthContributors, options.clock());
    }

    /** Managed mode: heartbeats carry the applied revision and the health status of /admin/v1/health. */
    private void startHeartbeat(Options options) {
        if (managed != null) {
            HealthReport health = healthReport(options);
            managed.startHeartbeat(() -> new Heartbeat.Status(snapshots.revision(),
                    health.get().path("status").asText("unknown"), snapshots.connected()));
        }
    }

    /**
     * Re-reads the listeners' TLS files (SIGHUP) and swaps them in without closing connections.
     * Returns {@code key: reason} for each listener that failed and keeps its old certificate.
     */
    public List<String> reloadTls() {
        return listenerTls.reload(server);
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

    /** Two listeners on one port (the same host, or either one on every address) cannot both bind. */
    private static void checkDistinct(Map<String, Addr> listeners) {
        List<Map.Entry<String, Addr>> seen = new ArrayList<>();
        for (Map.Entry<String, Addr> e : listeners.entrySet()) {
            Addr a = e.getValue();
            for (Map.Entry<String, Addr> before : seen) {
                Addr b = before.getValue();
                if (a.port() != 0 && a.port() == b.port()
                        && (a.host().equals(b.host()) || wildcard(a.host()) || wildcard(b.host()))) {
                    throw new ConfigException(e.getKey(), "port " + a.port() + " is " + before.getKey() + "'s too");
                }
            }
            seen.add(e);
        }
    }

    private static boolean wildcard(String host) {
        return switch (host) {
            case "", "0.0.0.0", "*", "::", "[::]" -> true;
            default -> false;
        };
    }

    private static void checkFree(String key, Addr addr) {
        if (addr.port() == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(addr.host(), addr.port()));
        } catch (IOException e) {
            throw new ConfigException(key, "cannot listen on " + addr.host() + ":" + addr.port() + " ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Admin keys from config or {@code AISIX_ADMIN_KEY}; when none is given, one is generated, its
     * SHA-256 kept in {@code <data_dir>/admin_key.sha256} (0600), and the key printed once.
     */
    private AdminAuth adminAuth(PrintStream console) {
        if (!config.admin().adminKeys().isEmpty()) {
            return new AdminAuth(config.admin().adminKeys());
        }
        Path dir = Path.of(config.store().dataDir()).toAbsolutePath().normalize();
        Path file = dir.resolve("admin_key.sha256");
        try {
            if (Files.exists(file)) {
                byte[] digest = HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).trim());
                return AdminAuth.ofDigests(List.of(digest));
            }
            PrivateFiles.createDirectories(dir);
            String key = "aisix-admin-" + HexFormat.of().formatHex(randomBytes());
            Path tmp = dir.resolve("admin_key.sha256.tmp");
            Files.deleteIfExists(tmp);
            PrivateFiles.createFile(tmp);
            Files.writeString(tmp, Digests.sha256Hex(key) + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            console.println("Generated admin key (shown once, store it now): " + key);
            console.println("Its SHA-256 is kept in " + file.toAbsolutePath() + "; set AISIX_ADMIN_KEY to use your own.");
            return new AdminAuth(List.of(key));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("admin.admin_keys", "none configured and none could be generated in " + dir
                    + " (" + e.getMessage() + ")");
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[24];
        new java.security.SecureRandom().nextBytes(b);
        return b;
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

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    public ConfigStore store() {
        return store;
    }

    public int proxyPort() {
        return server.port();
    }

    /** The admin listener's port, or -1 when it is off (Helidon's answer for an unknown socket). */
    public int adminPort() {
        return server.port("admin");
    }

    public int metricsPort() {
        return server.port("metrics");
    }

    /**
     * Begins a drain: probes answer 503 at once while the listeners keep accepting; returns once
     * {@code minimum} has passed and nothing is in flight (streams included), or once
     * {@code maximum} more has passed after {@code minimum}. Returns true when nothing was left in
     * flight.
     */
    public boolean drain(Duration minimum, Duration maximum) {
        lifecycle.beginDrain();
        long start = System.nanoTime();
        long open = start + minimum.toNanos();
        long deadline = open + maximum.toNanos();
        if (!waitIdle(open, deadline)) {
            return lifecycle.inFlight() == 0;
        }
        if (lifecycle.inFlight() == 0) {
            LOG.info("drain complete: no request in flight after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
            return true;
        }
        // Deadline: the streams still open end with an error event (and their access-log line and
        // usage event, marked cut) rather than a silent close when the listeners stop.
        int cut = lifecycle.cutStreams();
        if (cut > 0) {
            LOG.warning("drain deadline reached: cutting " + cut + " open streams");
            long grace = System.nanoTime() + CUT_GRACE.toNanos();
            waitIdle(System.nanoTime(), grace);
        }
        return false;
    }

    /** How long cut streams get to write their error event and complete. */
    static final Duration CUT_GRACE = Duration.ofSeconds(2);

    /** Waits until {@code open} has passed and nothing is in flight, or until {@code deadline}; false if interrupted. */
    private boolean waitIdle(long open, long deadline) {
        while (true) {
            long now = System.nanoTime();
            if (now - deadline >= 0 || now - open >= 0 && lifecycle.inFlight() == 0) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
        }
        guards.forEach(ConnectionGuard::close);
        for (AdminExtension e : adminExtensions.reversed()) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                LOG.warning("admin extension " + e.getClass().getName() + " failed to stop: " + ex);
            }
        }
        if (managed != null) {
            managed.close();
        }
        for (FilterFactory f : started.reversed()) {
            try {
                PluginCalls.run(f, f::stop);
            } catch (RuntimeException e) {
                LOG.warning("plugin " + f.id() + " failed to stop: " + e);
            }
        }
        for (CacheBackend c : startedBackends.reversed()) {
            try {
                PluginCalls.run(c, c::stop);
            } catch (RuntimeException e) {
                LOG.warning("cache backend " + c.id() + " failed to stop: " + e);
            }
        }
        store.close();
        upstream.close();
        metrics.close();
    }
}
