package io.aisix.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operators migrating from AISIX point this gateway at their existing startup config: AISIX's two
 * shipped configs (fixtures in {@code aisix-configs/}, the same keys and values) and the keys they
 * show commented out load with AISIX's meaning, and {@code aisix validate} (the real command, in
 * its own process, with the environment AISIX's managed config expects) accepts them. The
 * commented keys this gateway does not read are each refused by name.
 */
class AisixExampleConfigsIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** AISIX's own files, when a copy is at hand (the project keeps only its fixtures). */
    private static final Path AISIX_REFERENCE = Path.of("/work/shared/reference/aisix-wire");
    private static final Map<String, String> MANAGED_ENV = Map.of(
            "AISIX_MANAGED__CP_BASE_URL", "https://api.us.aisix.cloud",
            "AISIX_MANAGED__CP_ETCD_ENDPOINT", "etcd.us.aisix.cloud:7943");

    @TempDir
    Path dir;

    /**
     * A fixture as a file to validate. {@code downstream.idle_timeout_secs} is taken out: it is not
     * mapped yet onto the listeners' own {@code idle_timeout_ms} (AISIX's 0 means no idle timeout).
     */
    private Path fixture(String name) throws IOException {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/aisix-configs/" + name)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@DIR@", dir.toString());
        }
        ObjectNode tree = (ObjectNode) YAML.readTree(text);
        tree.remove("downstream");
        Path file = dir.resolve(name);
        YAML.writeValue(file.toFile(), tree);
        return file;
    }

    /** {@code aisix validate --config file} in a new JVM with only {@code env} of AISIX's variables. */
    private static Result validate(Path file, Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.aisix.kernel.Main",
                "validate", "--config", file.toString()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("AISIX_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "validate did not end");
        return new Result(p.exitValue(), out);
    }

    private record Result(int exit, String output) {
    }

    @Test
    void theSelfHostedExampleValidatesAndMeansWhatItMeansInAisix() throws Exception {
        Path file = fixture("self-hosted.yaml");
        Result r = validate(file, Map.of());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(file + ": valid"), r.output());
        assertTrue(r.output().contains("notice: observability.tracing.otlp: off; has no effect"), r.output());

        ConfigLoader.Loaded loaded = ConfigLoader.read(file, Map.of());
        GatewayConfig c = loaded.config();
        assertEquals("etcd", c.storeBackend());
        assertEquals(5000, c.etcd().effectiveRequestTimeoutMs());
        assertEquals("info", c.logging().level());
        assertTrue(c.plugins().sections().get("observe").values().get("access_log").asBoolean(),
                "observability.access_log is the observe plugin's");
        assertEquals("0.0.0.0:9090", c.metrics().addr(), "metrics on their own listener, as in AISIX");
        assertEquals("/metrics", c.metrics().path());
        assertEquals(30, c.shutdown().minDrainSecs());
        assertEquals(30L, c.upstream().poolIdleTimeoutSecs());
        assertEquals(List.of("admin-local-only-change-me"), c.admin().adminKeys());
    }

    @Test
    void theManagedExampleValidatesWithTheEnvironmentAisixExpects() throws Exception {
        Path file = fixture("managed.yaml");
        Result r = validate(file, MANAGED_ENV);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("notice: etcd.endpoints: not used in managed mode: resources come from "
                + "https://etcd.us.aisix.cloud:7943"), r.output());

        GatewayConfig c = ConfigLoader.load(file, MANAGED_ENV);
        assertTrue(c.managedMode());
        assertEquals("https://api.us.aisix.cloud", c.managed().controlPlaneUrl());
        assertEquals("/var/lib/aisix/mtls", c.managed().mtlsDir());
        assertEquals("/var/lib/aisix/dp_id", c.managed().dpIdFile());
        assertEquals("/var/lib/aisix/config_cache.json", c.managed().snapshotCacheFile());
        assertEquals(15, c.managed().heartbeatIntervalSeconds());

        Result without = validate(file, Map.of());
        assertEquals(2, without.exit(), without.output());
        assertTrue(without.output().contains("AISIX_MANAGED__CP_"), "says which variable is missing: " + without.output());
    }

    @Test
    void theCommentedKeysThisGatewayReadsValidate() throws Exception {
        for (String f : List.of("mtls/ca.crt", "mtls/client.crt", "mtls/client.key", "tls/proxy.crt", "tls/proxy.key",
                "tls/admin.crt", "tls/admin.key", "tls/private-ca.pem", "tls/client.crt", "tls/client.key")) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.writeString(dir.resolve(f), "placeholder: validate checks that the file can be read");
        }
        Path file = fixture("commented-keys.yaml");
        Result r = validate(file, Map.of());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("notice: proxy.workers: ignored"), r.output());
    }

    /** Commented keys of AISIX's configs that this gateway does not read: each refused, naming the key. */
    @Test
    void theCommentedKeysThisGatewayDoesNotReadAreRefusedByName() throws IOException {
        Map<String, String> refused = Map.of(
                "observability: { metrics: { client_type_rules: [{ pattern: '^py/', client: py }] } }",
                "observability.metrics.client_type_rules",
                "observability: { metrics: { buckets: { request_ttft: [0.05, 0.1] } } }", "observability.metrics.buckets",
                "cache: { redis: { mode: single, url: 'redis://127.0.0.1:6379' } }", "cache.redis.mode",
                "ratelimit: { concurrency_ttl_secs: 300 }", "ratelimit.concurrency_ttl_secs");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : refused.entrySet()) {
            Path f = Files.writeString(dir.resolve("c.yaml"), e.getKey() + "\n");
            try {
                ConfigLoader.load(f, Map.of());
                wrong.add(e.getKey() + " was accepted");
            } catch (ConfigException ex) {
                if (!ex.key().equals(e.getValue())) {
                    wrong.add(e.getKey() + " -> " + ex.getMessage());
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** The fixtures hold exactly what AISIX ships (checked where AISIX's files are at hand). */
    @Test
    void theFixturesHoldWhatAisixShips() throws IOException {
        assumeTrue(Files.isDirectory(AISIX_REFERENCE), "no copy of AISIX's configs here");
        for (String[] pair : new String[][] {{"config.example.yaml", "self-hosted.yaml"}, {"config.managed.yaml",
                "managed.yaml"}, {"resources.example.yaml", "resources.yaml"}}) {
            JsonNode aisix = YAML.readTree(AISIX_REFERENCE.resolve(pair[0]).toFile());
            JsonNode ours;
            try (InputStream in = getClass().getResourceAsStream("/aisix-configs/" + pair[1])) {
                ours = YAML.readTree(in);
            }
            assertEquals(aisix, ours, pair[1] + " differs from AISIX's " + pair[0]);
        }
    }
}
