package io.aisix.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private GatewayConfig load(String yaml, Map<String, String> env) throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, env);
    }

    private ConfigException fails(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
    }

    @Test
    void defaultsWhenEmpty() throws IOException {
        GatewayConfig c = load("", Map.of());
        assertEquals("0.0.0.0:3000", c.proxy().addr());
        assertEquals("127.0.0.1:3001", c.admin().addr());
        assertEquals("embedded", c.storeBackend());
        assertEquals(10L * 1024 * 1024, c.proxy().requestBodyLimitBytes());
        assertEquals(30, c.shutdown().drainTimeoutSeconds());
        assertEquals(java.util.Map.of(), c.plugins().sections(), "plugin sections bind once the plugins are found");
        assertEquals(false, c.store().readyWhileDisconnected());
        assertEquals(true, load("store: { ready_while_disconnected: true }\n", Map.of()).store().readyWhileDisconnected());
    }

    @Test
    void resourcesFileIsTheOnlyResourceSourceWhenSet() throws IOException {
        Path resources = Files.writeString(dir.resolve("resources.yaml"), "_format_version: \"1\"\n");
        GatewayConfig c = load("resources_file: " + resources + "\n", Map.of());
        assertEquals(resources.toString(), c.resourcesFile());
        assertEquals("file", c.storeBackend());
        // AISIX's spelling through the environment too
        assertEquals("file", load("", Map.of("AISIX_RESOURCES_FILE", resources.toString())).storeBackend());

        ConfigException both = fails("resources_file: " + resources + "\netcd:\n  endpoints: [http://127.0.0.1:2379]\n");
        assertEquals("resources_file: is set and so is etcd.endpoints: resources come either from a resources file "
                + "or from etcd; remove one of them", both.getMessage());
        assertEquals("resources_file", assertThrows(ConfigException.class, () -> load("resources_file: " + resources
                + "\n", Map.of("AISIX_ETCD__PREFIX", "/x"))).key());
        assertTrue(assertThrows(ConfigException.class, () -> load("resources_file: " + resources + "\n",
                Map.of("AISIX_ETCD__PREFIX", "/x"))).getMessage().contains("etcd.prefix"));
        assertEquals("store.backend", fails("resources_file: " + resources + "\nstore: { backend: embedded }\n").key());
        assertTrue(fails("resources_file: " + resources + "\ndeployment: { mode: managed }\n").getMessage()
                .startsWith("resources_file: is not used in managed mode"));
        ConfigException missing = fails("resources_file: " + dir.resolve("nope.yaml") + "\n");
        assertEquals("resources_file: cannot read " + dir.resolve("nope.yaml") + " (no such file)", missing.getMessage());
        assertEquals("resources_file", fails("resources_file: \" \"\n").key());
        assertEquals("resources_file", fails("resources_file: [a]\n").key());
        // store settings that still apply in file mode (the admin key digest lives in data_dir)
        assertEquals("./elsewhere", load("resources_file: " + resources + "\nstore: { data_dir: ./elsewhere }\n",
                Map.of()).store().dataDir());
    }

    @Test
    void unknownKeyNamesTheKey() {
        assertEquals("proxy.adr", fails("proxy:\n  adr: 1.2.3.4:5\n").key());
        assertEquals("bogus", fails("bogus: 1\n").key());
        assertEquals("etcd.tls.ca_fil", fails("etcd:\n  tls:\n    ca_fil: x\n").key());
    }

    @Test
    void wrongTypeNamesTheKey() {
        ConfigException e = fails("proxy:\n  request_body_limit_bytes: lots\n");
        assertEquals("proxy.request_body_limit_bytes", e.key());
        assertTrue(e.getMessage().contains("integer"), e.getMessage());
        assertEquals("admin.enabled", fails("admin:\n  enabled: maybe\n").key());
        assertEquals("store.ready_while_disconnected", fails("store:\n  ready_while_disconnected: sometimes\n").key());
        assertEquals("proxy", fails("proxy: 3\n").key());
    }

    @Test
    void badValuesAreRejected() {
        assertEquals("proxy.addr", fails("proxy:\n  addr: nowhere\n").key());
        assertEquals("deployment.mode", fails("deployment:\n  mode: hybrid\n").key());
        assertEquals("upstream.timeout_ms", fails("upstream:\n  timeout_ms: -1\n").key());
        assertEquals("config", fails("proxy: [unclosed\n").key());
    }

    @Test
    void upstreamTimeoutsTakeAisixKeysAndTheOlderName() throws IOException {
        GatewayConfig.Upstream d = load("", Map.of()).upstream();
        assertEquals(600_000L, d.timeoutMs());
        assertEquals(120_000L, d.effectiveStreamTimeoutMs());
        assertEquals(5000L, d.connectTimeoutMs());
        assertEquals(30L, d.poolIdleTimeoutSecs());

        GatewayConfig.Upstream aisix = load("""
                upstream:
                  timeout_ms: 6000000
                  stream_timeout_ms: 0
                  connect_timeout_ms: 2000
                  pool_idle_timeout_secs: 30
                  pool_max_idle_per_host: 32
                  tcp_keepalive_secs: 60
                  tcp_keepalive_interval_secs: 30
                  tcp_keepalive_retries: 5
                  retries: 2
                """, Map.of()).upstream();
        assertEquals(6_000_000L, aisix.effectiveStreamTimeoutMs(), "stream_timeout_ms 0 falls back to timeout_ms");
        assertEquals(32, aisix.poolMaxIdlePerHost());

        assertEquals(45_000L, load("upstream: { stream_timeout_ms: 45000 }\n", Map.of()).upstream()
                .effectiveStreamTimeoutMs());
        assertEquals(1500L, load("upstream: { stream_idle_timeout_ms: 1500 }\n", Map.of()).upstream()
                .effectiveStreamTimeoutMs(), "the older name keeps working");
        assertEquals(0L, load("upstream: { timeout_ms: 0, stream_timeout_ms: 0 }\n", Map.of()).upstream()
                .effectiveStreamTimeoutMs(), "0 everywhere: no timeout at all");
        assertEquals(250L, load("", Map.of("AISIX_UPSTREAM__STREAM_TIMEOUT_MS", "250")).upstream()
                .effectiveStreamTimeoutMs());

        assertEquals("upstream.stream_idle_timeout_ms",
                fails("upstream: { stream_timeout_ms: 1, stream_idle_timeout_ms: 2 }\n").key());
        assertEquals("upstream.stream_timeout_ms", fails("upstream: { stream_timeout_ms: -5 }\n").key());
        assertEquals("upstream.tcp_keepalive_secs", fails("upstream: { tcp_keepalive_secs: -1 }\n").key());
        assertEquals("upstream.pool_max_idle_per_host", fails("upstream: { pool_max_idle_per_host: -1 }\n").key());
    }

    @Test
    void unreadableTlsFileNamesTheKey() {
        ConfigException e = fails("proxy:\n  tls: { cert_file: /nope/cert.pem, key_file: /nope/key.pem }\n");
        assertEquals("proxy.tls.cert_file", e.key());
        assertTrue(e.getMessage().contains("/nope/cert.pem"));
        assertEquals("admin.tls.key_file", fails("admin:\n  tls: { cert_file: /nope/cert.pem }\n").key());
    }

    @Test
    void environmentOverridesFileValues() throws IOException {
        GatewayConfig c = load("proxy:\n  addr: 0.0.0.0:3000\n", Map.of(
                "AISIX_PROXY__ADDR", "127.0.0.1:8080",
                "AISIX_UPSTREAM__RETRIES", "5",
                "AISIX_ETCD__ENDPOINTS", "[http://10.0.0.1:2379, http://10.0.0.2:2379]",
                "AISIX_ADMIN_KEY", "k1, k2",
                "PATH", "/usr/bin"));
        assertEquals("127.0.0.1:8080", c.proxy().addr());
        assertEquals(5, c.upstream().retries());
        assertEquals(List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379"), c.etcd().endpoints());
        assertEquals("etcd", c.storeBackend());
        assertEquals(List.of("k1", "k2"), c.admin().adminKeys());
    }

    @Test
    void environmentTypoIsAnUnknownKey() {
        assertThrows(ConfigException.class, () -> load("", Map.of("AISIX_PROXI__ADDR", "x:1")));
    }

    @Test
    void missingExplicitFileFails() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(dir.resolve("absent.yaml"), Map.of()));
        assertTrue(e.getMessage().contains("absent.yaml"));
    }

    @Test
    void scalarsAreTypedAsWrittenInTheFileAndTheEnvironment() throws IOException {
        // YAML 1.2: off is text, so a log level off is the level off (the YAML 1.1 reading made it false)
        assertEquals("off", load("logging: { level: off }\n", Map.of()).logging().level().toLowerCase());
        assertEquals("off", load("observability: { log_level: off }\n", Map.of()).logging().level().toLowerCase());
        assertEquals("off", load("", Map.of("AISIX_LOGGING__LEVEL", "off")).logging().level().toLowerCase());
        // a text key keeps what was written, an integer key refuses what is no plain decimal
        assertEquals("010", load("etcd: { prefix: 010 }\n", Map.of()).etcd().prefix());
        assertEquals("0x1F", load("", Map.of("AISIX_ETCD__PREFIX", "0x1F")).etcd().prefix());
        for (String retries : List.of("0x1F", "010", "1_000", "\"2\"", "1.5", "true")) {
            ConfigException e = fails("upstream: { retries: " + retries + " }\n");
            assertEquals("upstream.retries: must be an integer", e.getMessage(), retries);
        }
        assertEquals("store.ready_while_disconnected: must be a boolean",
                fails("store: { ready_while_disconnected: yes }\n").getMessage());
        assertEquals(true, load("store: { ready_while_disconnected: True }\n", Map.of()).store()
                .readyWhileDisconnected());
        // the environment's values are YAML scalars too: a quoted number is text there as well
        assertEquals(7, load("upstream: { retries: 1 }\n", Map.of("AISIX_UPSTREAM__RETRIES", "7")).upstream().retries());
        assertEquals("upstream.retries", assertThrows(ConfigException.class, () -> load("",
                Map.of("AISIX_UPSTREAM__RETRIES", "\"7\""))).key());
        // no ${...} resolving
        assertEquals("${HOME}", load("etcd: { prefix: \"${HOME}\" }\n", Map.of()).etcd().prefix());
    }

    @Test
    void onlyTheFileAndTheAisixVariablesAreRead() throws IOException {
        // Helidon's system-property source is off (its environment source reads the real process
        // environment, which a test cannot set; it is switched off by the same builder)
        System.setProperty("proxy.addr", "127.0.0.9:9");
        try {
            assertEquals("0.0.0.0:3000", load("", Map.of()).proxy().addr());
        } finally {
            System.clearProperty("proxy.addr");
        }
        // the environment wins over the file; a list replaces the file's list; a value replaces a mapping
        assertEquals(List.of("http://x:1"), load("etcd: { endpoints: [http://a:1, http://b:2] }\n",
                Map.of("AISIX_ETCD__ENDPOINTS", "http://x:1")).etcd().endpoints());
        assertEquals(List.of("http://x:1", "http://y:2"), load("", Map.of("AISIX_ETCD__ENDPOINTS",
                "http://x:1, http://y:2")).etcd().endpoints());
        assertEquals("proxy: must be a mapping", assertThrows(ConfigException.class, () -> load(
                "proxy: { addr: 127.0.0.1:1 }\n", Map.of("AISIX_PROXY", "x"))).getMessage());
        assertEquals("127.0.0.1:2", load("proxy: 3\n", Map.of("AISIX_PROXY__ADDR", "127.0.0.1:2")).proxy().addr());
        // the file's keys and the environment's meet in one tree: AISIX_ADMIN_KEY adds to the file's keys
        assertEquals(List.of("f1", "e1"), load("admin: { admin_keys: [f1] }\n", Map.of("AISIX_ADMIN_KEY", "e1"))
                .admin().adminKeys());
    }

    @Test
    void theEnvironmentsShapeWinsOverTheFiles() throws IOException {
        // a list from the environment over a mapping in the file is the list alone
        assertEquals(List.of("http://x:1"), load("etcd: { endpoints: { a: 1 } }\n",
                Map.of("AISIX_ETCD__ENDPOINTS", "[http://x:1]")).etcd().endpoints());
        // a mapping from the environment over a mapping in the file adds to it
        GatewayConfig c = load("proxy: { addr: 127.0.0.1:1, max_connections: 5 }\n", Map.of("AISIX_PROXY__ADDR",
                "127.0.0.1:2"));
        assertEquals("127.0.0.1:2", c.proxy().addr());
        assertEquals(5, c.proxy().maxConnections());
        // the one shape Helidon cannot merge: a mapping from the environment over a list of the file
        ConfigException e = assertThrows(ConfigException.class, () -> load("etcd: { endpoints: [http://a:1] }\n",
                Map.of("AISIX_ETCD__ENDPOINTS__X", "1")));
        assertEquals("etcd.endpoints: is a list in " + dir.resolve("config.yaml") + " and a mapping in the AISIX_ "
                + "variables; set it in one place", e.getMessage());
        // an item by index merges into the list, which the binder then refuses as before
        assertEquals("etcd.endpoints", assertThrows(ConfigException.class, () -> load(
                "etcd: { endpoints: [http://a:1] }\n", Map.of("AISIX_ETCD__ENDPOINTS__0", "http://b:1"))).key());
    }

    @Test
    void pluginSectionsComeFromTheSameTree() throws IOException {
        GatewayConfig c = load("plugins:\n  rate-limit: { backend: memory }\n  cache: { memory: { max_entries: 010 } }\n",
                Map.of("AISIX_PLUGINS__RATE_LIMIT__BACKEND", "redis"));
        assertEquals(java.util.Set.of("rate-limit", "cache"), c.plugins().sections().keySet());
        assertEquals("{\"backend\":\"redis\"}", c.plugins().sections().get("rate-limit").values().toString());
        assertEquals("{\"memory\":{\"max_entries\":\"010\"}}", c.plugins().sections().get("cache").values()
                .toString());
    }

    @Test
    void toStringHidesAdminKeys() throws IOException {
        GatewayConfig c = load("admin:\n  admin_keys: [super-secret-admin-key]\n", Map.of());
        assertTrue(!c.toString().contains("super-secret"));
    }
}
