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

    /** host:port with a port from 0 to 65535 ({@code [::1]:3000} for IPv6). */
    static final String ADDR = "^.+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
    static final String ADDR_MESSAGE = "must be host:port with a port from 0 to 65535 (got '%s')";

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

    public record Deployment(
            @Setting(oneOf = {"self_hosted", "managed"}, description = "managed: resources from a control plane's "
                    + "etcd over mTLS, no admin listener") String mode) {
        public Deployment {
            mode = or(mode, () -> "self_hosted");
        }
    }

    public record Managed(String controlPlaneUrl, String etcdEndpoint, String caFile, String certFile, String keyFile,
                          @Setting(min = 1) Integer heartbeatIntervalSeconds, String snapshotCacheFile) {
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

    public record Proxy(
            @Setting(pattern = ADDR, patternMessage = ADDR_MESSAGE, description = "caller traffic: /v1/*, /livez, "
                    + "/readyz") String addr,
            Tls tls,
            @Setting(min = 1, description = "larger request bodies get 413") Long requestBodyLimitBytes) {
        public Proxy {
            addr = or(addr, () -> "0.0.0.0:3000");
            requestBodyLimitBytes = or(requestBodyLimitBytes, () -> 10L * 1024 * 1024);
        }
    }

    public record Admin(Boolean enabled,
                        @Setting(pattern = ADDR, patternMessage = ADDR_MESSAGE, description = "Admin API, health, "
                                + "metrics: keep private") String addr,
                        List<String> adminKeys, Tls tls) {
        public Admin {
            enabled = or(enabled, () -> true);
            addr = or(addr, () -> "127.0.0.1:3001");
            adminKeys = adminKeys == null ? List.of() : List.copyOf(adminKeys);
        }
    }

    /** {@code tls} applies to the dedicated metrics listener only (with an empty {@code addr} there is none). */
    public record Metrics(
            @Setting(pattern = "^$|" + ADDR, patternMessage = ADDR_MESSAGE, description = "empty: /metrics on the admin "
                    + "listener") String addr,
            @Setting(pattern = "^/", patternMessage = "must start with / (got '%s')") String path,
            Tls tls) {
        public Metrics {
            addr = or(addr, () -> "");
            path = or(path, () -> "/metrics");
        }
    }

    /**
     * @param readyWhileDisconnected keep {@code /readyz} at 200 while the store is unreachable and
     *                               the last snapshot serves (AISIX's behaviour); default false
     */
    public record Store(
            @Setting(oneOf = {"embedded", "etcd"}, description = "default: etcd when etcd.endpoints is set, else "
                    + "embedded") String backend,
            String dataDir,
            @Setting(description = "true: /readyz stays 200 on the last snapshot while the store is unreachable "
                    + "(AISIX's behaviour); default false") Boolean readyWhileDisconnected) {
        public Store {
            dataDir = or(dataDir, () -> "./data");
            readyWhileDisconnected = or(readyWhileDisconnected, () -> false);
        }
    }

    public record EtcdTls(String caFile, String certFile, String keyFile, String serverName) {
    }

    /** {@code endpoints} stays empty unless configured; {@link #effectiveEndpoints()} applies the default. */
    public record Etcd(
            @Setting(pattern = "^https?://", patternMessage = "must be an http:// or https:// URL (got '%s')")
            List<String> endpoints,
            String prefix, String user, String passwordEnv, EtcdTls tls,
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

    public record MemoryCacheSettings(@Setting(min = 1) Long maxEntries, @Setting(min = 1) Long maxBytes) {
        public MemoryCacheSettings {
            maxEntries = or(maxEntries, () -> 10_000L);
            maxBytes = or(maxBytes, () -> 32L << 20);
        }
    }

    public record Cache(
            @Setting(oneOf = {"memory", "redis"}, description = "redis needs cache.redis and a reachable server")
            String backend,
            MemoryCacheSettings memory, RedisSettings redis) {
        public Cache {
            backend = or(backend, () -> "memory");
            memory = or(memory, () -> new MemoryCacheSettings(null, null));
        }
    }

    public record RateLimitSettings(
            @Setting(oneOf = {"memory", "redis"}, description = "redis: counters shared by every gateway instance")
            String backend,
            RedisSettings redis) {
        public RateLimitSettings {
            backend = or(backend, () -> "memory");
        }
    }

    /**
     * Outbound calls to providers. Durations of 0 switch their knob off (AISIX's convention):
     * {@code timeout_ms} 0 is no deadline, {@code stream_timeout_ms} 0 falls back to
     * {@code timeout_ms}, {@code connect_timeout_ms} 0 leaves the connect to the OS,
     * {@code pool_idle_timeout_secs} 0 keeps idle connections until the upstream closes them,
     * {@code tcp_keepalive_secs} 0 sends no keepalive probes. {@code stream_idle_timeout_ms} is
     * this gateway's older name of {@code stream_timeout_ms}.
     */
    public record Upstream(
            @Setting(min = 0, description = "0: the OS connect timeout") Long connectTimeoutMs,
            @Setting(min = 0, description = "whole non-streaming answer; 0: no deadline") Long timeoutMs,
            @Setting(min = 0, description = "longest wait for each streamed event (120000 when unset); 0: "
                    + "timeout_ms") Long streamTimeoutMs,
            @Setting(min = 0, description = "older name of stream_timeout_ms; set only one of them")
            Long streamIdleTimeoutMs,
            @Setting(min = 0, description = "same-target retries for a lone target") Integer retries,
            @Setting(min = 0, description = "idle pooled connections close after this; 0: never")
            Long poolIdleTimeoutSecs,
            @Setting(min = 0, description = "idle pooled connections kept per host; unset: no cap")
            Integer poolMaxIdlePerHost,
            @Setting(min = 0, description = "TCP keepalive idle time; 0: no keepalive probes") Long tcpKeepaliveSecs,
            @Setting(min = 0, description = "between keepalive probes") Long tcpKeepaliveIntervalSecs,
            @Setting(min = 0, description = "unanswered probes before the connection is dropped")
            Integer tcpKeepaliveRetries) {
        public Upstream {
            connectTimeoutMs = or(connectTimeoutMs, () -> 5000L);
            timeoutMs = or(timeoutMs, () -> 600_000L);
            retries = or(retries, () -> 2);
            poolIdleTimeoutSecs = or(poolIdleTimeoutSecs, () -> 30L);
            tcpKeepaliveSecs = or(tcpKeepaliveSecs, () -> 60L);
            tcpKeepaliveIntervalSecs = or(tcpKeepaliveIntervalSecs, () -> 30L);
            tcpKeepaliveRetries = or(tcpKeepaliveRetries, () -> 5);
        }

        /** Timeouts only, the rest at defaults (tests and tools). */
        public Upstream(Long connectTimeoutMs, Long timeoutMs, Long streamTimeoutMs, Integer retries) {
            this(connectTimeoutMs, timeoutMs, streamTimeoutMs, null, retries, null, null, null, null, null);
        }

        /**
         * The default longest wait for each event of a stream, in milliseconds (0: none):
         * {@code stream_timeout_ms} (or its older name), 120 s when neither is set, and
         * {@code timeout_ms} when it is 0.
         */
        public long effectiveStreamTimeoutMs() {
            long configured = streamTimeoutMs != null ? streamTimeoutMs
                    : streamIdleTimeoutMs != null ? streamIdleTimeoutMs : 120_000L;
            return configured > 0 ? configured : timeoutMs;
        }
    }

    public record Shutdown(
            @Setting(min = 0, description = "SIGTERM: in-flight requests and streams get this long to finish")
            Integer drainTimeoutSeconds) {
        public Shutdown {
            drainTimeoutSeconds = or(drainTimeoutSeconds, () -> 30);
        }
    }

    public record Plugins(String dir) {
        public Plugins {
            dir = or(dir, () -> "plugins");
        }
    }

    public record Logging(
            @Setting(oneOf = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"}, ignoreCase = true) String level,
            Boolean accessLog,
            @Setting(oneOf = {"json", "text"}) String format) {
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
