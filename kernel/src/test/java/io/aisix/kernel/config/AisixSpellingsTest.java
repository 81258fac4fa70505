package io.aisix.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AISIX's startup keys: read with AISIX's meaning, refused when they clash with ours or cannot mean the same. */
class AisixSpellingsTest {
    @TempDir
    Path dir;

    private ConfigLoader.Loaded read(String yaml, Map<String, String> env) throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.read(f, env);
    }

    private GatewayConfig load(String yaml) throws IOException {
        return read(yaml, Map.of()).config();
    }

    private ConfigException fails(String yaml) {
        return fails(yaml, Map.of());
    }

    private ConfigException fails(String yaml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> read(yaml, env));
    }

    private static String notices(ConfigLoader.Loaded loaded) {
        return String.join("\n", loaded.notices().stream().map(ConfigLoader.Notice::toString).toList());
    }

    @Test
    void observabilityIsCopiedOntoLoggingAndMetrics() throws IOException {
        GatewayConfig c = load("""
                observability:
                  log_level: debug
                  access_log: false
                  metrics: { prometheus: { enabled: true, path: /prom, addr: "127.0.0.1:9090" } }
                """);
        assertEquals("debug", c.logging().level());
        assertFalse(c.plugins().sections().get("observe").values().get("access_log").asBoolean());
        assertEquals(java.util.Map.of("access_log", "observability.access_log"),
                c.plugins().sections().get("observe").spelledAs());
        assertEquals("/prom", c.metrics().path());
        assertEquals("127.0.0.1:9090", c.metrics().addr());
        assertTrue(c.metrics().enabled());
        assertFalse(load("observability: { metrics: { prometheus: { enabled: false } } }").metrics().enabled());
        assertEquals("warn", read("", Map.of("AISIX_OBSERVABILITY__LOG_LEVEL", "warn")).config().logging().level());
    }

    @Test
    void bothSpellingsAtOnceAreRefusedNamingBoth() {
        ConfigException e = fails("observability: { log_level: debug }\nlogging: { level: info }\n");
        assertEquals("observability.log_level: is AISIX's spelling of logging.level; set only one of them", e.getMessage());
        assertEquals("observability.metrics.prometheus.addr",
                fails("observability: { metrics: { prometheus: { addr: \"0.0.0.0:9090\" } } }\nmetrics: { addr: \"0.0.0.0:9091\" }\n")
                        .key());
        assertEquals("managed.enabled", fails("managed: { enabled: false }\ndeployment: { mode: self_hosted }\n").key());
        assertEquals("etcd.tls.ca_cert_file", fails("etcd: { tls: { ca_cert_file: /a, ca_file: /b } }\n").key());
        e = fails("observability: { access_log: true }\n", Map.of("AISIX_LOGGING__ACCESS_LOG", "false"));
        assertTrue(e.getMessage().contains("logging.access_log"), "the environment counts as setting it: " + e.getMessage());
    }

    @Test
    void wrongValuesAreReportedUnderTheKeyTheOperatorWrote() {
        ConfigException e = fails("observability: { log_level: \"aisix=debug,tower=warn\" }\n");
        assertEquals("observability.log_level", e.key());
        assertTrue(e.getMessage().contains("debug, error, info, off, trace, warn"), e.getMessage());
        assertEquals("observability.metrics.prometheus.addr",
                fails("observability: { metrics: { prometheus: { addr: nowhere } } }\n").key());
        assertEquals("managed.heartbeat_interval_secs", fails("managed: { heartbeat_interval_secs: soon }\n").key());
    }

    @Test
    void otlpBlocksAreAcceptedOnlyWhileOff() throws IOException {
        ConfigLoader.Loaded off = read("""
                observability:
                  metrics: { otlp: { enabled: false, endpoint: "http://127.0.0.1:4317" } }
                  tracing: { otlp: { enabled: false, sample_ratio: 1.0 } }
                """, Map.of());
        assertTrue(notices(off).contains("observability.tracing.otlp: off; has no effect (OTLP export is an "
                + "observability_exporters resource of kind otlp_http here)"), notices(off));
        assertTrue(notices(off).contains("observability.metrics.otlp: off"), notices(off));
        ConfigException e = fails("observability: { tracing: { otlp: { enabled: true, endpoint: \"http://c:4317\" } } }\n");
        assertEquals("observability.tracing.otlp.enabled", e.key());
        assertTrue(e.getMessage().contains("observability_exporters resource of kind otlp_http"), e.getMessage());
        assertEquals("observability.metrics.otlp.enabled", fails("observability: { metrics: { otlp: { enabled: true } } }\n")
                .key());
    }

    @Test
    void runtimeTuningAndTheServiceNameAreNotices() throws IOException {
        ConfigLoader.Loaded l = read("proxy: { thread_per_core: true, workers: 4 }\nobservability: { service_name: gw-eu }\n",
                Map.of());
        String n = notices(l);
        assertTrue(n.contains("proxy.thread_per_core: ignored: AISIX's runtime tuning has no meaning here"), n);
        assertTrue(n.contains("proxy.workers: ignored"), n);
        assertTrue(n.contains("observability.service_name: this gateway is 'gw-eu'"), n);
        assertEquals("proxy.workers", fails("proxy: { workers: 0 }\n").key(), "AISIX refuses 0 workers too");
        assertEquals(List.of(), read("", Map.of()).notices(), "a plain config has nothing to say");
    }

    @Test
    void realIpIsReadAsAisixWritesIt() throws IOException {
        GatewayConfig.RealIp r = read("proxy: { real_ip: { trusted_proxies: [10.0.0.0/8, 192.0.2.1], recursive: true } }\n",
                Map.of()).config().proxy().realIp();
        assertEquals(List.of("10.0.0.0/8", "192.0.2.1"), r.trustedProxies());
        assertTrue(r.recursive());
        assertEquals("x-forwarded-for", r.header());
        assertEquals("proxy.real_ip.trusted_proxies",
                fails("proxy: { real_ip: { trusted_proxies: [lb.example.com] } }\n").key(), "refused before binding");
    }

    @Test
    void etcdSettings() throws IOException {
        GatewayConfig c = load("etcd: { dial_timeout_ms: 2000 }\n");
        assertEquals(2000, c.etcd().effectiveRequestTimeoutMs(), "unset: the dial timeout, as before");
        c = load("etcd: { dial_timeout_ms: 2000, request_timeout_ms: 750 }\n");
        assertEquals(750, c.etcd().effectiveRequestTimeoutMs());
        assertEquals("etcd.request_timeout_ms", fails("etcd: { request_timeout_ms: 0 }\n").key());
        c = load("etcd: { tls: { ca_cert_file: /ca, client_cert_file: /c, client_key_file: /k, domain_name: etcd.local } }\n");
        assertEquals(new GatewayConfig.EtcdTls("/ca", "/c", "/k", "etcd.local", "/ca", "/c", "/k", "etcd.local"),
                c.etcd().tls());
    }

    @Test
    void shutdownWindows() throws IOException {
        assertEquals(0, load("").shutdown().minDrainSecs(), "no minimum window unless asked: behaviour unchanged");
        GatewayConfig.Shutdown s = load("shutdown: { min_drain_secs: 30 }\n").shutdown();
        assertEquals(30, s.minDrainSecs());
        assertEquals(30, s.drainTimeoutSeconds());
        assertEquals("shutdown.min_drain_secs", fails("shutdown: { min_drain_secs: -1 }\n").key());
    }

    @Test
    void requestBodyLimitZeroIsNoCap() throws IOException {
        assertEquals(0L, load("proxy: { request_body_limit_bytes: 0 }\n").proxy().requestBodyLimitBytes());
        assertEquals("proxy.request_body_limit_bytes", fails("proxy: { request_body_limit_bytes: -1 }\n").key());
    }

    @Test
    void requestIdIsTheRequestIdPluginsSection() throws IOException {
        assertEquals(List.of(), headers(load("proxy: { request_id: { accept_headers: [] } }\n")));
        assertEquals(List.of("x-aisix-request-id", "x-request-id"), headers(read("", Map.of(
                "AISIX_PROXY__REQUEST_ID__ACCEPT_HEADERS", "x-aisix-request-id,x-request-id")).config()),
                "comma separated in the environment, as AISIX reads it");
        assertEquals(List.of("a", "b"), headers(read("", Map.of("AISIX_PLUGINS__REQUEST_ID__ACCEPT_HEADERS", "a,b"))
                .config()), "the new key too, with the id's _ read as -");
        assertEquals("", notices(read("proxy: { request_id: { accept_headers: [] } }\n", Map.of())),
                "AISIX's spelling, no deprecation");
    }

    private static List<String> headers(GatewayConfig c) {
        List<String> out = new java.util.ArrayList<>();
        c.plugins().sections().get("request-id").values().get("accept_headers").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void upstreamTls() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not checked before startup");
        GatewayConfig.OutboundTls tls = load("upstream: { tls: { ca_file: " + ca + " } }\n").upstream().tls();
        assertEquals(ca.toString(), tls.caFile());
        assertTrue(tls.verify());
        assertTrue(load("").upstream().tls().isDefault());
        assertEquals("upstream.tls.ca_file", fails("upstream: { tls: { ca_file: /nope/ca.pem } }\n").key());
        assertEquals("upstream.tls.client_key_file", fails("upstream: { tls: { client_cert_file: " + ca + " } }\n").key());
        assertEquals("upstream.tls.client_cert_file", fails("upstream: { tls: { client_key_file: " + ca + " } }\n").key());
    }

    @Test
    void urlRewritesAreCheckedAtLoad() {
        assertEquals("proxy.url_rewrites[0].match", fails("proxy: { url_rewrites: [{ match: \"(\", rewrite: /x }] }\n").key());
        assertEquals("proxy.url_rewrites[1].rewrite", fails("""
                proxy:
                  url_rewrites:
                    - { match: "^/a$", rewrite: /b }
                    - { match: "^/c/(x)$", rewrite: "/d/$2" }
                """).key());
    }

    @Test
    void managedModeAsAisixSpellsIt() throws IOException {
        ConfigLoader.Loaded l = read("""
                etcd: { endpoints: ["https://placeholder-overridden-at-register:2379"], request_timeout_ms: 5000 }
                metrics: { addr: "127.0.0.1:0" }
                managed:
                  enabled: true
                  mtls_dir: /var/lib/aisix/mtls
                  dp_id_file: /var/lib/aisix/dp_id
                  snapshot_cache_path: /var/lib/aisix/config_cache.json
                  heartbeat_interval_secs: 2
                """, Map.of("AISIX_MANAGED__CP_BASE_URL", "https://api.example.test",
                "AISIX_MANAGED__CP_ETCD_ENDPOINT", "etcd.example.test:7943"));
        GatewayConfig c = l.config();
        assertTrue(c.managedMode());
        assertEquals("https://api.example.test", c.managed().controlPlaneUrl());
        assertEquals("https://etcd.example.test:7943", c.managed().etcdEndpoint(), "a bare host:port is dialled over TLS");
        assertEquals("/var/lib/aisix/config_cache.json", c.managed().snapshotCacheFile());
        assertEquals(5, c.managed().heartbeatIntervalSeconds(), "clamped to AISIX's 5..300 s");
        assertEquals("/var/lib/aisix/mtls", c.managed().mtlsDir());
        String n = notices(l);
        assertTrue(n.contains("managed.heartbeat_interval_secs: 2 s is clamped to 5 s"), n);
        assertTrue(n.contains("etcd.endpoints: not used in managed mode: resources come from https://etcd.example.test:7943"),
                n);

        ConfigException e = fails("managed: { enabled: true, mtls_dir: /m, ca_file: /ca.pem }\nmetrics: { addr: \"127.0.0.1:0\" }\n",
                Map.of("AISIX_MANAGED__CP_BASE_URL", "https://cp", "AISIX_MANAGED__CP_ETCD_ENDPOINT", "cp:1"));
        assertEquals("managed.mtls_dir: holds the bundle, and so does managed.ca_file; set only one of them", e.getMessage());
        e = fails("managed: { cp_base_url: https://cp }\n");
        assertEquals("managed.cp_base_url: is set but deployment.mode is self_hosted (set deployment.mode: managed)",
                e.getMessage());
        assertEquals("managed.cp_etcd_endpoint", fails("managed: { enabled: true, cp_base_url: https://cp, "
                + "cp_etcd_endpoint: \"http://cp:1\" }\nmetrics: { addr: \"127.0.0.1:0\" }\n").key());
    }

    @Test
    void aSnapshotCachePathOutsideManagedModeIsTheEtcdCache() throws IOException {
        GatewayConfig c = load("etcd: { endpoints: [\"http://127.0.0.1:2379\"] }\nmanaged: { snapshot_cache_path: /c.json }\n");
        assertEquals("/c.json", c.etcd().snapshotCacheFile(), "AISIX: a path enables the cache with self-hosted etcd too");
        assertEquals("managed.snapshot_cache_path",
                fails("etcd: { snapshot_cache_file: /a.json }\nmanaged: { snapshot_cache_path: /c.json }\n").key());
    }
}
