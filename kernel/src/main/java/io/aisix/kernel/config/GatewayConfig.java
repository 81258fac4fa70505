package io.aisix.kernel.config;

import java.util.List;

/**
 * The startup configuration (API.md section 1): process-level settings only. Built by
 * {@link ConfigLoader}, which rejects unknown keys and wrong types; every record fills its own
 * defaults so code never sees a missing section.
 */
public record GatewayConfig(Deployment deployment, Managed managed, Proxy proxy, Admin admin, Metrics metrics,
                            Store store, Etcd etcd, Cache cache, RateLimitSettings ratelimit, Upstream upstream,
                            Shutdown shutdown, Plugins plugins, Logging logging) {

    public GatewayConfig {
        deployment = or(deployment, () -> new Deployment(null));
        managed = or(managed, () -> new Managed(null, null, null, null, null, null, null));
        proxy = or(proxy, () -> new Proxy(null, null, null));
        admin = or(admin, () -> new Admin(null, null, null, null));
        metrics = or(metrics, () -> new Metrics(null, null, null));
        store = or(store, () -> new Store(null, null, null));
        etcd = or(etcd, () -> new Etcd(null, null, null, null, null, null, null));
        cache = or(cache, () -> new Cache(null, null, null));
        ratelimit = or(ratelimit, () -> new RateLimitSettings(null, null));
        upstream = or(upstream, () -> new Upstream(null, null, null, null));
        shutdown = or(shutdown, () -> new Shutdown(null));
        plugins = or(plugins, () -> new Plugins(null));
        logging = or(logging, () -> new Logging(null, null, null));
    }

    /** All defaults (no file). */
    public static GatewayConfig defaults() {
        return new GatewayConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    static <T> T or(T value, java.util.function.Supplier<T> dflt) {
        return value != null ? value : dflt.get();
    }

    public boolean managedMode() {
        return "managed".equals(deployment.mode());
    }

    /**
     * The store backend in force: etcd in managed mode (the control plane's), else explicit, else
     * etcd when endpoints are configured, else embedded.
     */
    public String storeBackend() {
        if (managedMode()) {
            return "etcd";
        }
        if (store.backend() != null) {
            return store.backend();
        }
        return etcd.endpointsConfigured() ? "etcd" : "embedded";
    }

    public record Deployment(String mode) {
        public Deployment {
            mode = or(mode, () -> "self_hosted");
        }
    }

    public record Managed(String controlPlaneUrl, String etcdEndpoint, String caFile, String certFile, String keyFile,
                          Integer heartbeatIntervalSeconds, String snapshotCacheFile) {
        public Managed {
            heartbeatIntervalSeconds = or(heartbeatIntervalSeconds, () -> 10);
            snapshotCacheFile = or(snapshotCacheFile, () -> "./data/managed-snapshot.json");
        }
    }

    /**
     * Listener TLS from PEM files: {@code cert_file} and {@code key_file} both or neither;
     * {@code client_ca_file} (optional) requires clients to present a certificate issued by one of
     * its CAs. SIGHUP re-reads all three files.
     */
    public record Tls(String certFile, String keyFile, String clientCaFile) {
    }

    public record Proxy(String addr, Tls tls, Long requestBodyLimitBytes) {
        public Proxy {
            addr = or(addr, () -> "0.0.0.0:3000");
            requestBodyLimitBytes = or(requestBodyLimitBytes, () -> 10L * 1024 * 1024);
        }
    }

    public record Admin(Boolean enabled, String addr, List<String> adminKeys, Tls tls) {
        public Admin {
            enabled = or(enabled, () -> true);
            addr = or(addr, () -> "127.0.0.1:3001");
            adminKeys = adminKeys == null ? List.of() : List.copyOf(adminKeys);
        }
    }

    /** {@code tls} applies to the dedicated metrics listener only (with an empty {@code addr} there is none). */
    public record Metrics(String addr, String path, Tls tls) {
        public Metrics {
            addr = or(addr, () -> "");
            path = or(path, () -> "/metrics");
        }
    }

    /**
     * @param readyWhileDisconnected keep {@code /readyz} at 200 while the store is unreachable and
     *                               the last snapshot serves (AISIX's behaviour); default false
     */
    public record Store(String backend, String dataDir, Boolean readyWhileDisconnected) {
        public Store {
            dataDir = or(dataDir, () -> "./data");
            readyWhileDisconnected = or(readyWhileDisconnected, () -> false);
        }
    }

    public record EtcdTls(String caFile, String certFile, String keyFile, String serverName) {
    }

    /** {@code endpoints} stays empty unless configured; {@link #effectiveEndpoints()} applies the default. */
    public record Etcd(List<String> endpoints, String prefix, String user, String passwordEnv, EtcdTls tls,
                       String snapshotCacheFile, Integer dialTimeoutMs) {
        public Etcd {
            endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
            prefix = or(prefix, () -> "/aisix");
            user = or(user, () -> "");
            passwordEnv = or(passwordEnv, () -> "");
            snapshotCacheFile = or(snapshotCacheFile, () -> "");
            dialTimeoutMs = or(dialTimeoutMs, () -> 5000);
        }

        boolean endpointsConfigured() {
            return !endpoints.isEmpty();
        }

        public List<String> effectiveEndpoints() {
            return endpoints.isEmpty() ? List.of("http://127.0.0.1:2379") : endpoints;
        }
    }

    public record RedisSettings(String url) {
    }

    public record MemoryCacheSettings(Long maxEntries, Long maxBytes) {
        public MemoryCacheSettings {
            maxEntries = or(maxEntries, () -> 10_000L);
            maxBytes = or(maxBytes, () -> 32L << 20);
        }
    }

    public record Cache(String backend, MemoryCacheSettings memory, RedisSettings redis) {
        public Cache {
            backend = or(backend, () -> "memory");
            memory = or(memory, () -> new MemoryCacheSettings(null, null));
        }
    }

    public record RateLimitSettings(String backend, RedisSettings redis) {
        public RateLimitSettings {
            backend = or(backend, () -> "memory");
        }
    }

    public record Upstream(Long connectTimeoutMs, Long timeoutMs, Long streamIdleTimeoutMs, Integer retries) {
        public Upstream {
            connectTimeoutMs = or(connectTimeoutMs, () -> 5000L);
            timeoutMs = or(timeoutMs, () -> 600_000L);
            streamIdleTimeoutMs = or(streamIdleTimeoutMs, () -> 120_000L);
            retries = or(retries, () -> 2);
        }
    }

    public record Shutdown(Integer drainTimeoutSeconds) {
        public Shutdown {
            drainTimeoutSeconds = or(drainTimeoutSeconds, () -> 30);
        }
    }

    public record Plugins(String dir) {
        public Plugins {
            dir = or(dir, () -> "plugins");
        }
    }

    public record Logging(String level, Boolean accessLog, String format) {
        public Logging {
            level = or(level, () -> "INFO");
            accessLog = or(accessLog, () -> true);
            format = or(format, () -> "json");
        }
    }

    @Override
    public String toString() {
        // admin keys never reach a log line
        return "GatewayConfig[proxy=" + proxy.addr() + ", admin=" + admin.addr() + ", store=" + storeBackend() + "]";
    }
}
