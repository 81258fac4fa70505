package io.aisix.kernel.config;

import java.util.List;
import java.util.Map;

/**
 * The startup configuration (API.md section 1): process-level settings only. Built by
 * {@link ConfigLoader}, which rejects unknown keys and wrong types; every record fills its own
 * defaults so code never sees a missing section.
 */
public record GatewayConfig(Deployment deployment, Managed managed, Proxy proxy, Admin admin, Metrics metrics,
                            Store store, Etcd etcd, Upstream upstream,
                            Shutdown shutdown, Plugins plugins, Logging logging, Observability observability,
                            @Setting(pattern = "\\S", patternMessage = "must name a file (got '%s')",
                                    description = "serve the resources of this YAML file (AISIX's resources.yaml) "
                                    + "instead of a store: re-read on SIGHUP, Admin API read-only; excludes etcd.* "
                                    + "and store.backend") String resourcesFile) {

    public GatewayConfig {
        deployment = or(deployment, () -> new Deployment(null));
        managed = or(managed, () -> new Managed(null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null));
        proxy = or(proxy, () -> new Proxy(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null));
        admin = or(admin, () -> new Admin(null, null, null, null, null, null, null, null));
        metrics = or(metrics, () -> new Metrics(null, null, null, null));
        store = or(store, () -> new Store(null, null, null));
        etcd = or(etcd, () -> new Etcd(null, null, null, null, null, null, null));
        upstream = or(upstream, () -> new Upstream(null, null, null, null));
        shutdown = or(shutdown, () -> new Shutdown(null, null));
        plugins = or(plugins, () -> new Plugins(null, null));
        logging = or(logging, () -> new Logging(null, null));
        observability = or(observability, () -> new Observability(null, null, null, null, null));
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
     * The store backend in force: etcd in managed mode (the control plane's), {@code file} with a
     * {@code resources_file}, else explicit, else etcd when endpoints are configured, else embedded.
     */
    public String storeBackend() {
        if (managedMode()) {
            return "etcd";
        }
        if (resourcesFile != null) {
            return "file";
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

    /**
     * Managed mode's settings. AISIX's spellings are accepted beside this gateway's (the loader
     * copies each onto ours and refuses both at once): {@code enabled} for {@code deployment.mode},
     * {@code cp_base_url}, {@code cp_etcd_endpoint} (a bare {@code host:port} gets {@code https://}),
     * {@code cp_ca_file} / {@code cp_cert_file} / {@code cp_key_file}, {@code heartbeat_interval_secs}
     * (clamped to 5..300 s as AISIX does) and {@code snapshot_cache_path}. {@code mtls_dir} (the
     * bundle as {@code ca.crt}, {@code client.crt}, {@code client.key}; PEMs given in the environment
     * are written there) and {@code dp_id_file} (where the gateway id is kept) have one spelling.
     */
    public record Managed(String controlPlaneUrl, String etcdEndpoint, String caFile, String certFile, String keyFile,
                          @Setting(min = 1) Integer heartbeatIntervalSeconds, String snapshotCacheFile,
                          @Setting(description = "folder of the certificate bundle: ca.crt, client.crt, client.key "
                                  + "(PEMs given in the environment are written there); instead of ca_file, cert_file "
                                  + "and key_file") String mtlsDir,
                          @Setting(description = "file that keeps the gateway id (default <store.data_dir>/gateway_id)")
                          String dpIdFile,
                          @Setting(description = "AISIX spelling of deployment.mode: managed") Boolean enabled,
                          @Setting(description = "AISIX spelling of control_plane_url") String cpBaseUrl,
                          @Setting(description = "AISIX spelling of etcd_endpoint (host:port gets https://)")
                          String cpEtcdEndpoint,
                          @Setting(description = "AISIX spelling of ca_file") String cpCaFile,
                          @Setting(description = "AISIX spelling of cert_file") String cpCertFile,
                          @Setting(description = "AISIX spelling of key_file") String cpKeyFile,
                          @Setting(min = 0, description = "AISIX spelling of heartbeat_interval_seconds, clamped to "
                                  + "5..300") Long heartbeatIntervalSecs,
                          @Setting(description = "AISIX spelling of snapshot_cache_file (in self-hosted mode: of "
                                  + "etcd.snapshot_cache_file); empty: no cache") String snapshotCachePath) {
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

    /**
     * The proxy listener. {@code thread_per_core} and {@code workers} are AISIX's runtime tuning,
     * accepted and ignored (logged): every request runs on its own virtual thread here. The
     * connection limits bound what one client can hold: {@code header_timeout_ms} from the
     * connection's (or request's) start to the end of its headers, {@code body_timeout_ms} of
     * silence inside a request body, {@code idle_timeout_ms} between requests; none of them cuts
     * a response or a stream being written. {@code max_json_depth} and
     * {@code max_json_number_length} bound what the request validator parses.
     */
    public record Proxy(
            @Setting(pattern = ADDR, patternMessage = ADDR_MESSAGE, description = "caller traffic: /v1/*, /livez, "
                    + "/readyz") String addr,
            Tls tls,
            @Setting(min = 0, description = "larger request bodies get 413; 0: no cap") Long requestBodyLimitBytes,
            @Setting(description = "AISIX runtime tuning; no meaning on the JVM (ignored, logged)") Boolean threadPerCore,
            @Setting(min = 1, description = "AISIX runtime tuning; no meaning on the JVM (ignored, logged)")
            Integer workers,
            List<UrlRewrite> urlRewrites,
            RealIp realIp,
            @Setting(min = 1, description = "the request line and headers must arrive within this long of the "
                    + "connection opening or the request starting, else 408 and close") Long headerTimeoutMs,
            @Setting(min = 1, description = "longest silence while a request body is being received, else the "
                    + "connection closes") Long bodyTimeoutMs,
            @Setting(min = 1, description = "a keep-alive connection without a request closes after this long "
                    + "(never cuts a response or stream in progress)") Long idleTimeoutMs,
            @Setting(min = 1, description = "open connections at once; further ones wait in the accept backlog")
            Integer maxConnections,
            @Setting(min = 1, description = "deepest nesting of arrays and objects in a request body, else 400")
            Integer maxJsonDepth,
            @Setting(min = 1, description = "longest number (in characters) in a request body, else 400")
            Integer maxJsonNumberLength,
            @Setting(description = "after start-up, run 2,048 synthetic requests through the request path, "
                    + "plugins' chain included, on private state, so the first callers do not wait for the JIT")
            Boolean warmUp) {
        public Proxy {
            addr = or(addr, () -> "0.0.0.0:3000");
            requestBodyLimitBytes = or(requestBodyLimitBytes, () -> 10L * 1024 * 1024);
            headerTimeoutMs = or(headerTimeoutMs, () -> 10_000L);
            bodyTimeoutMs = or(bodyTimeoutMs, () -> 30_000L);
            idleTimeoutMs = or(idleTimeoutMs, () -> 60_000L);
            maxConnections = or(maxConnections, () -> 10_000);
            maxJsonDepth = or(maxJsonDepth, () -> 128);
            maxJsonNumberLength = or(maxJsonNumberLength, () -> 1000);
            warmUp = or(warmUp, () -> true);
            urlRewrites = urlRewrites == null ? List.of() : List.copyOf(urlRewrites);
            realIp = or(realIp, () -> new RealIp(null, null, null));
        }
    }

    /**
     * Where the caller's address comes from (AISIX's {@code proxy.real_ip}, nginx's rules): the TCP
     * peer, unless it is one of {@code trusted_proxies}; then the address {@code header} names
     * (for {@code x-forwarded-for} its last entry, or with {@code recursive} the rightmost entry
     * that is not itself a trusted proxy). It keys {@code hash_on: client_ip}.
     */
    public record RealIp(
            @Setting(description = "peers (CIDR ranges or addresses) whose forwarded header is believed; "
                    + "empty: always the TCP peer") List<String> trustedProxies,
            @Setting(description = "walk x-forwarded-for past trusted proxies (nginx real_ip_recursive)")
            Boolean recursive,
            @Setting(description = "the header naming the client, read only from trusted peers") String header) {
        public RealIp {
            trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
            recursive = or(recursive, () -> false);
            header = or(header, () -> "x-forwarded-for");
        }
    }

    /**
     * One URL rewrite (AISIX's {@code proxy.url_rewrites}): the first rule whose {@code match}
     * regex finds a match in the raw request path replaces that match with {@code rewrite}
     * ({@code $1}, {@code ${name}}, {@code $$} for a dollar sign), once; the query string stays.
     */
    public record UrlRewrite(@Setting(description = "named in the log when the rule fires") String name,
                             @Setting(description = "regex searched in the raw, percent-encoded path") String match,
                             @Setting(description = "replacement of the matched part") String rewrite) {
    }

    /**
     * The admin listener. The connection limits ({@code header_timeout_ms}, {@code body_timeout_ms},
     * {@code idle_timeout_ms}, {@code max_connections}) mean what they mean on {@link Proxy}.
     */
    public record Admin(Boolean enabled,
                        @Setting(pattern = ADDR, patternMessage = ADDR_MESSAGE, description = "Admin API, health, "
                                + "metrics: keep private") String addr,
                        List<String> adminKeys, Tls tls,
                        @Setting(min = 1, description = "as proxy.header_timeout_ms") Long headerTimeoutMs,
                        @Setting(min = 1, description = "as proxy.body_timeout_ms") Long bodyTimeoutMs,
                        @Setting(min = 1, description = "as proxy.idle_timeout_ms") Long idleTimeoutMs,
                        @Setting(min = 1, description = "as proxy.max_connections") Integer maxConnections) {
        public Admin {
            enabled = or(enabled, () -> true);
            addr = or(addr, () -> "127.0.0.1:3001");
            headerTimeoutMs = or(headerTimeoutMs, () -> 10_000L);
            bodyTimeoutMs = or(bodyTimeoutMs, () -> 30_000L);
            idleTimeoutMs = or(idleTimeoutMs, () -> 60_000L);
            maxConnections = or(maxConnections, () -> 256);
            adminKeys = adminKeys == null ? List.of() : List.copyOf(adminKeys);
        }
    }

    /**
     * {@code tls} applies to the dedicated metrics listener only (with an empty {@code addr} there is
     * none). {@code enabled: false} serves {@code /metrics} nowhere and opens no metrics listener.
     */
    public record Metrics(
            @Setting(pattern = "^$|" + ADDR, patternMessage = ADDR_MESSAGE, description = "empty: /metrics on the admin "
                    + "listener") String addr,
            @Setting(pattern = "^/", patternMessage = "must start with / (got '%s')") String path,
            Tls tls,
            @Setting(description = "false: no /metrics anywhere") Boolean enabled) {
        public Metrics {
            addr = or(addr, () -> "");
            path = or(path, () -> "/metrics");
            enabled = or(enabled, () -> true);
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

    /**
     * TLS to etcd: a CA alone is TLS, with a certificate and key mTLS. AISIX's spellings
     * ({@code ca_cert_file}, {@code client_cert_file}, {@code client_key_file}, {@code domain_name})
     * are copied onto these by the loader.
     */
    public record EtcdTls(String caFile, String certFile, String keyFile, String serverName,
                          @Setting(description = "AISIX spelling of ca_file") String caCertFile,
                          @Setting(description = "AISIX spelling of cert_file") String clientCertFile,
                          @Setting(description = "AISIX spelling of key_file") String clientKeyFile,
                          @Setting(description = "AISIX spelling of server_name") String domainName) {
        public EtcdTls(String caFile, String certFile, String keyFile, String serverName) {
            this(caFile, certFile, keyFile, serverName, null, null, null, null);
        }
    }

    /**
     * {@code endpoints} stays empty unless configured; {@link #effectiveEndpoints()} applies the
     * default. {@code request_timeout_ms} bounds each read and write (not the watch); unset, it is
     * {@code dial_timeout_ms}.
     */
    public record Etcd(
            @Setting(pattern = "^https?://", patternMessage = "must be an http:// or https:// URL (got '%s')")
            List<String> endpoints,
            String prefix, String user, String passwordEnv, EtcdTls tls,
            String snapshotCacheFile, Integer dialTimeoutMs,
            @Setting(min = 1, description = "deadline of each read and write (not the watch); unset: dial_timeout_ms")
            Integer requestTimeoutMs) {
        public Etcd {
            endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
            prefix = or(prefix, () -> "/aisix");
            user = or(user, () -> "");
            passwordEnv = or(passwordEnv, () -> "");
            snapshotCacheFile = or(snapshotCacheFile, () -> "");
            dialTimeoutMs = or(dialTimeoutMs, () -> 5000);
        }

        /** Without a request timeout (tests and tools). */
        public Etcd(List<String> endpoints, String prefix, String user, String passwordEnv, EtcdTls tls,
                    String snapshotCacheFile, Integer dialTimeoutMs) {
            this(endpoints, prefix, user, passwordEnv, tls, snapshotCacheFile, dialTimeoutMs, null);
        }

        /** The deadline of each read and write: {@code request_timeout_ms}, else {@code dial_timeout_ms}. */
        public int effectiveRequestTimeoutMs() {
            return requestTimeoutMs != null ? requestTimeoutMs : Math.max(1, dialTimeoutMs);
        }

        boolean endpointsConfigured() {
            return !endpoints.isEmpty();
        }

        public List<String> effectiveEndpoints() {
            return endpoints.isEmpty() ? List.of("http://127.0.0.1:2379") : endpoints;
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
            Integer tcpKeepaliveRetries,
            OutboundTls tls,
            EgressProxy proxy,
            @Setting(oneOf = {"builtin", "helidon"}, description = "builtin: the gateway's own HTTP/1.1 client (the "
                    + "fastest); helidon: Helidon's WebClient, with HTTP/2") String client,
            @Setting(description = "with client: helidon, HTTP/2 (ALPN h2 over TLS, else HTTP/1.1; http:// "
                    + "upstreams stay on HTTP/1.1 unless http2_prior_knowledge)") Boolean http2,
            @Setting(description = "with http2: HTTP/2 at once to http:// upstreams reached directly (h2c prior "
                    + "knowledge; they must speak it)")
            Boolean http2PriorKnowledge) {
        public Upstream {
            connectTimeoutMs = or(connectTimeoutMs, () -> 5000L);
            timeoutMs = or(timeoutMs, () -> 600_000L);
            retries = or(retries, () -> 2);
            poolIdleTimeoutSecs = or(poolIdleTimeoutSecs, () -> 30L);
            tcpKeepaliveSecs = or(tcpKeepaliveSecs, () -> 60L);
            tcpKeepaliveIntervalSecs = or(tcpKeepaliveIntervalSecs, () -> 30L);
            tcpKeepaliveRetries = or(tcpKeepaliveRetries, () -> 5);
            tls = or(tls, () -> new OutboundTls(null, null, null, null));
            proxy = or(proxy, () -> new EgressProxy(null, null));
            client = or(client, () -> "builtin");
            http2 = or(http2, () -> false);
            http2PriorKnowledge = or(http2PriorKnowledge, () -> false);
        }

        /** Timeouts only, the rest at defaults (tests and tools). */
        public Upstream(Long connectTimeoutMs, Long timeoutMs, Long streamTimeoutMs, Integer retries) {
            this(connectTimeoutMs, timeoutMs, streamTimeoutMs, null, retries, null, null, null, null, null, null, null,
                    null, null, null);
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

    /**
     * The deployment-wide trust of TLS to upstreams (AISIX's {@code upstream.tls}), for every
     * request whose provider key sets no {@code tls} of its own: {@code ca_file} adds its
     * certificates to the JDK's trust store, {@code client_cert_file} and {@code client_key_file}
     * (both or neither) present a client certificate, {@code verify: false} accepts any
     * certificate.
     */
    public record OutboundTls(
            @Setting(description = "PEM certificates trusted besides the JDK's trust store") String caFile,
            @Setting(description = "PEM client certificate for upstreams that require mutual TLS") String clientCertFile,
            @Setting(description = "PEM key of client_cert_file") String clientKeyFile,
            @Setting(description = "false: accept any upstream certificate (test use only)") Boolean verify) {
        public OutboundTls {
            verify = or(verify, () -> true);
        }

        /** True when nothing differs from the JDK's defaults. */
        public boolean isDefault() {
            return caFile == null && clientCertFile == null && clientKeyFile == null && verify;
        }
    }

    /**
     * The HTTP proxy upstream calls go through (a company's egress proxy): HTTPS upstreams through
     * a {@code CONNECT} tunnel, plain-HTTP ones in absolute form. Unset, the standard environment
     * variables {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} (or their lower-case
     * forms) apply; {@code no_proxy: ["*"]} switches a proxy from the environment off.
     */
    public record EgressProxy(
            @Setting(description = "http://[user:password@]host:port of the egress proxy for every upstream; "
                    + "unset: HTTPS_PROXY / HTTP_PROXY") String url,
            @Setting(description = "upstreams reached directly: host names (with their subdomains), IP addresses, "
                    + "CIDR blocks, each optionally with :port, or *; unset: NO_PROXY") List<String> noProxy) {
    }

    /**
     * SIGTERM/SIGINT: the probes answer 503 at once; the listeners keep accepting for at least
     * {@code min_drain_secs} (so a load balancer has time to notice), then in-flight requests and
     * streams get up to {@code drain_timeout_seconds} more to finish.
     */
    public record Shutdown(
            @Setting(min = 0, description = "after the minimum window, in-flight requests and streams get this long "
                    + "to finish") Integer drainTimeoutSeconds,
            @Setting(min = 0, description = "SIGTERM: keep accepting this long while the probes answer 503")
            Integer minDrainSecs) {
        public Shutdown {
            drainTimeoutSeconds = or(drainTimeoutSeconds, () -> 30);
            minDrainSecs = or(minDrainSecs, () -> 0);
        }
    }

    /**
     * {@code plugins.dir}, the folder of plugin folders, and every other key of {@code plugins}: one
     * plugin's section ({@code plugins.<id>:}), kept unbound here and bound by the kernel to the
     * record the plugin declares ({@link io.aisix.spi.PluginConfig}) once the plugins are found.
     *
     * @param sections per plugin id, its section as written (or as moved from an older spelling)
     */
    public record Plugins(String dir, Map<String, PluginSection> sections) {
        public Plugins {
            dir = or(dir, () -> "plugins");
            sections = sections == null ? Map.of() : Map.copyOf(sections);
        }
    }

    /**
     * One {@code plugins.<id>} section before binding.
     *
     * @param values   the mapping
     * @param spelledAs per key of {@code values} that came from an older spelling (for example
     *                 {@code backend}), the key the operator wrote ({@code ratelimit.backend}), so
     *                 errors name what is in the file
     * @param explicit whether the operator wrote {@code plugins.<id>} (or its variable) at all; a
     *                 section made only of older spellings is no error when its plugin is not installed
     */
    public record PluginSection(com.fasterxml.jackson.databind.node.ObjectNode values, Map<String, String> spelledAs,
                                boolean explicit) {
        public PluginSection {
            spelledAs = Map.copyOf(spelledAs);
        }

        /** The key as the operator wrote it, for {@code relative} inside the section of {@code id}. */
        public String spelling(String id, String relative) {
            for (Map.Entry<String, String> e : spelledAs.entrySet()) {
                if (relative.equals(e.getKey()) || relative.startsWith(e.getKey() + ".")
                        || relative.startsWith(e.getKey() + "[")) {
                    return e.getValue() + relative.substring(e.getKey().length());
                }
            }
            return "plugins." + id + (relative.isEmpty() ? "" : "." + relative);
        }
    }

    /** Same settings with the plugin sections given. */
    GatewayConfig withPluginSections(Map<String, PluginSection> sections) {
        return new GatewayConfig(deployment, managed, proxy, admin, metrics, store, etcd, upstream, shutdown,
                new Plugins(plugins.dir(), sections), logging, observability, resourcesFile);
    }

    public record Logging(
            @Setting(oneOf = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"}, ignoreCase = true) String level,
            @Setting(oneOf = {"json", "text"}, description = "text: one line per record; json: one JSON object"
                    + " per line for every logger, access-log fields as fields") String format) {
        public Logging {
            level = or(level, () -> "INFO");
            format = or(format, () -> "text");
        }
    }

    /**
     * AISIX's {@code observability} section. The loader copies {@code log_level} onto
     * {@code logging.level}, {@code access_log} onto {@code plugins.observe.access_log} and
     * {@code metrics.prometheus.*} onto {@code metrics.*} (both spellings at once are refused);
     * {@code service_name} is logged at startup only, as AISIX does. The OTLP blocks are accepted
     * while {@code enabled} is false (AISIX reads them for nothing either); OTLP export is an
     * {@code observability_exporters} resource of kind {@code otlp_http} here.
     */
    public record Observability(
            @Setting(description = "logged at startup") String serviceName,
            @Setting(oneOf = {"trace", "debug", "info", "warn", "error", "off"}, ignoreCase = true,
                    description = "AISIX spelling of logging.level") String logLevel,
            @Setting(description = "AISIX spelling of plugins.observe.access_log") Boolean accessLog,
            ObservabilityMetrics metrics,
            Tracing tracing) {
    }

    public record ObservabilityMetrics(Prometheus prometheus, Otlp otlp) {
    }

    /** AISIX's spelling of {@code metrics.enabled}, {@code metrics.path} and {@code metrics.addr}. */
    public record Prometheus(
            @Setting(description = "AISIX spelling of metrics.enabled") Boolean enabled,
            @Setting(pattern = "^/", patternMessage = "must start with / (got '%s')",
                    description = "AISIX spelling of metrics.path") String path,
            @Setting(pattern = ADDR, patternMessage = ADDR_MESSAGE, description = "AISIX spelling of metrics.addr")
            String addr) {
    }

    public record Otlp(@Setting(description = "true is refused: use an observability_exporters resource") Boolean enabled,
                       String endpoint) {
    }

    public record Tracing(OtlpTracing otlp) {
    }

    public record OtlpTracing(
            @Setting(description = "true is refused: use an observability_exporters resource of kind otlp_http")
            Boolean enabled,
            String endpoint, Double sampleRatio) {
    }

    @Override
    public String toString() {
        // admin keys never reach a log line
        return "GatewayConfig[proxy=" + proxy.addr() + ", admin=" + admin.addr() + ", store=" + storeBackend() + "]";
    }
}
