package io.aisix.kernel.listeners;

import io.aisix.kernel.admin.AdminAuth;
import io.aisix.kernel.admin.AdminExtension;
import io.aisix.kernel.admin.AdminRoutes;
import io.aisix.kernel.admin.HealthReport;
import io.aisix.kernel.admin.ResourceService;
import io.aisix.kernel.admin.SchemaRoutes;
import io.aisix.kernel.admin.StatusRoutes;
import io.aisix.kernel.config.Addr;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.config.UrlRewrites;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.http.ClientAddress;
import io.aisix.kernel.http.ConnectionGuard;
import io.aisix.kernel.http.DrainFilter;
import io.aisix.kernel.http.EndpointRouter;
import io.aisix.kernel.http.Lifecycle;
import io.aisix.kernel.http.ListenerErrors;
import io.aisix.kernel.http.ListenerPorts;
import io.aisix.kernel.http.ProbeChecks;
import io.aisix.kernel.http.Probes;
import io.aisix.kernel.http.ProxyHandler;
import io.aisix.kernel.http.RequestValidator;
import io.aisix.kernel.metrics.KernelMetrics;
import io.aisix.kernel.metrics.MetricsEndpoint;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.stats.StatsDocuments;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.tls.ListenerTls;
import io.aisix.spi.HealthContributor;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1Config;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The gateway's listeners and what each serves: the proxy listener (the probes and the proxy
 * API), the admin listener (the probes, the Admin API, the resource schemas, the admin extensions
 * of the host class path, and the metrics and status endpoints unless they have a listener of
 * their own) and the metrics listener. Every listener gets its connection guard (timeouts,
 * connection cap, error style) and its TLS; the ports are probed before binding.
 */
public final class Listeners implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Listeners.class.getName());

    /** What the listeners serve; {@code dependencies}: the plugins' health contributors, as of each probe. */
    public record Services(GatewayConfig config, Lifecycle lifecycle, SnapshotManager snapshots, ConfigStore store,
                           KernelMetrics metrics, Dispatcher dispatcher, PluginRegistry plugins,
                           EndpointRouter endpoints, Supplier<HealthReport> health,
                           Supplier<List<HealthContributor>> dependencies, StatsDocuments stats, boolean fileMode, Clock clock,
                           ClassLoader hostLoader) {
    }

    private final Services s;
    private final GatewayConfig config;
    private final ListenerTls listenerTls;
    private final List<ConnectionGuard> guards = new CopyOnWriteArrayList<>();
    private final List<AdminExtension> adminExtensions = new ArrayList<>();
    private WebServer server;

    public Listeners(Services services, ListenerTls listenerTls) {
        this.s = services;
        this.config = services.config();
        this.listenerTls = listenerTls;
    }

    /**
     * Probes the ports, binds the listeners and starts serving; {@code adminAuth} null means no
     * admin listener. A listener that cannot bind stops the start naming its key.
     */
    public WebServer start(AdminAuth adminAuth) {
        boolean adminOn = adminAuth != null;
        boolean metricsOn = config.metrics().enabled();
        Addr proxyAddr = Addr.parse("proxy.addr", config.proxy().addr());
        Addr adminAddr = Addr.parse("admin.addr", config.admin().addr());
        Optional<Addr> metricsAddr = !metricsOn || config.metrics().addr().isEmpty() ? Optional.empty()
                : Optional.of(Addr.parse("metrics.addr", config.metrics().addr()));
        ListenerPorts ports = new ListenerPorts().add("proxy.addr", proxyAddr);
        if (adminOn) {
            ports.add("admin.addr", adminAddr);
        }
        metricsAddr.ifPresent(a -> ports.add("metrics.addr", a));
        ports.check();

        DrainFilter drainFilter = new DrainFilter(s.lifecycle());
        Probes probes = new Probes(ProbeChecks.gateway(s.lifecycle(), s.snapshots(), s.store(),
                config.store().readyWhileDisconnected(), s.dependencies()));
        ProxyHandler proxy = new ProxyHandler(s.endpoints(), s.snapshots(), s.lifecycle(),
                config.proxy().requestBodyLimitBytes(),
                s.metrics(), UrlRewrites.compile(config.proxy().urlRewrites()), new ClientAddress(
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
        MetricsEndpoint metricsEndpoint = new MetricsEndpoint(s.metrics(), config.metrics().path());
        // AISIX's status endpoints live beside /metrics: on its listener, or on the admin listener
        StatusRoutes status = new StatusRoutes(s.snapshots(), s.store(), s.dispatcher(), s.clock(), s.fileMode());
        if (adminOn) {
            AdminRoutes admin = new AdminRoutes(adminAuth, new ResourceService(s.store(), s.snapshots().kinds()),
                    s.health().get(), s.plugins().plugins(), status::models, s.stats());
            loadAdminExtensions(s.hostLoader());
            b.putSocket("admin", sb -> listener(sb, "admin", adminAddr, "admin.tls", config.admin().tls())
                    .routing(r -> {
                        r.addFilter(ListenerErrors.closeFilter(true, true));
                        r.addFilter(drainFilter).register(probes).register(AdminRoutes.PREFIX, admin)
                                .register(SchemaRoutes.PREFIX, new SchemaRoutes(List.copyOf(s.snapshots().kinds()
                                        .values()), s.plugins().configs().values()));
                        if (metricsOn && metricsAddr.isEmpty()) {
                            r.register(metricsEndpoint).register(status);
                        }
                        AdminExtension.Context ctx = extensionContext(adminAuth, proxyAddr);
                        adminExtensions.forEach(e -> e.routing(r, ctx));
                        r.any(AdminRoutes::notFound); // JSON, never Helidon's text/plain "Endpoint not found"
                    }));
        }
        metricsAddr.ifPresent(a -> b.putSocket("metrics", sb -> listener(sb, "metrics", a, "metrics.tls",
                        config.metrics().tls())
                .routing((HttpRouting.Builder r) -> r.addFilter(ListenerErrors.closeFilter(true, true))
                        .addFilter(drainFilter).register(probes).register(metricsEndpoint).register(status)
                        .any(AdminRoutes::notFound))));
        server = b.build().start();
        if (!server.isRunning()) {
            // Helidon logs a listener that failed to bind and stops the others without throwing:
            // a port another process took after the probe. Name it, instead of serving nothing.
            ports.check();
            throw new ConfigException("proxy.addr", "the listeners could not all bind their ports (see the log above)");
        }
        return server;
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

            @Override
            public boolean isProxyEndpoint(String path) {
                return s.endpoints().route(path) != null;
            }
        };
    }

    private ListenerConfig.Builder listener(ListenerConfig.Builder sb, String socket, Addr addr, String tlsKey,
                                            GatewayConfig.Tls tls) {
        sb.host(addr.host()).port(addr.port()).connectionOptions(o -> o.tcpNoDelay(true));
        listenerTls.listener(socket, tlsKey, tls).ifPresent(sb::tls);
        // the admin listener's limits serve the metrics listener too (both are operator-facing)
        GatewayConfig.Admin a = config.admin();
        guard(socket, a.headerTimeoutMs(), a.bodyTimeoutMs(), a.idleTimeoutMs(), a.maxConnections(),
                ListenerErrors.Style.ADMIN).apply(sb, socket, Http1Config.builder());
        return sb;
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

    /** The running server, null before {@link #start}. */
    public WebServer server() {
        return server;
    }

    /** Stops the listeners, their guards and the admin extensions (newest first). */
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
    }
}
