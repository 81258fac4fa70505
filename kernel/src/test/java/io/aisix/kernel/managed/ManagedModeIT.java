package io.aisix.kernel.managed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.Gateway;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.HttpsUpstream;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.Pki;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.testkit.LogCapture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Managed mode against real processes: an etcd that requires client certificates (mTLS), a
 * control plane that requires them too and records heartbeats, and an HTTPS upstream. The client
 * certificate carries URI SAN {@code x-aisix://env/e1}, so the gateway must read
 * {@code /aisix/e1/...} and nothing else; the admin listener must never open.
 */
class ManagedModeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static EtcdServer etcd;
    static TestPki.Pair ca;
    static TestPki.Pair client;
    static ControlPlaneStub controlPlane;
    static HttpsUpstream upstream;

    @TempDir
    Path dir;

    @BeforeAll
    static void startControlPlane() throws Exception {
        etcd = EtcdServer.start(EtcdServer.Security.MTLS);
        // the etcd's CA is the control plane's CA: it signs the gateway's client certificate too
        ca = new TestPki.Pair(etcd.caFile(), etcd.dir().resolve("ca.key"));
        Path pki = shared.resolve("pki");
        Files.createDirectories(pki);
        client = Pki.managedClient(pki, "gw-e1", ca, "x-aisix://env/e1");
        controlPlane = new ControlPlaneStub(TestPki.server(pki, "control-plane", ca), ca);
        TestCerts upstreamCerts = TestCerts.create(shared.resolve("upstream-certs"));
        upstream = HttpsUpstream.start(upstreamCerts);

        String caPem = JSON.writeValueAsString(Files.readString(upstreamCerts.caCert));
        for (String env : List.of("e1", "e2")) {
            String p = "/aisix/" + env;
            etcd.put(p + "/provider_keys/pk", "{\"display_name\": \"pk-" + env + "\", \"provider\": \"test-upstream\","
                    + " \"api_key\": \"sk-up-" + env + "\", \"api_base\": \"" + upstream.base() + "\","
                    + " \"tls\": {\"ca_pem\": " + caPem + "}}");
            etcd.put(p + "/models/m1", "{\"display_name\": \"alias-" + env + "\", \"provider_key_id\": \"pk\","
                    + " \"model_name\": \"up\"}");
            etcd.put(p + "/api_keys/k1", "{\"display_name\": \"caller-" + env + "\", \"key_hash\": \""
                    + sha256("sk-caller-" + env) + "\"}");
        }
        etcd.put("/aisix/models/m0", "{\"display_name\": \"alias-root\", \"provider_key_id\": \"pk\", \"model_name\": \"up\"}");
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private String managedFiles() {
        return "control_plane_url: " + controlPlane.url() + ", etcd_endpoint: " + etcd.endpoint()
                + ", ca_file: " + ca.cert() + ", cert_file: " + client.cert() + ", key_file: " + client.key()
                + ", heartbeat_interval_seconds: 1, snapshot_cache_file: " + dir.resolve("managed-snapshot.json");
    }

    @Test
    void servesItsEnvironmentHeartbeatsAndKeepsServingFromTheCacheWhenTheControlPlaneIsDown() throws Exception {
        int adminPort = LocalProcesses.freePort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String gatewayId;
        try (Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, managedFiles(), adminPort), Map.of())) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            assertEquals("e1", gw.managed().orElseThrow().envId());

            HttpResponse<String> models = get(http, proxy(gw, "/v1/models"), "sk-caller-e1");
            assertEquals(200, models.statusCode(), models.body());
            assertEquals(Set.of("alias-e1"), ids(models.body()), "only the environment's own aliases");
            assertEquals(401, get(http, proxy(gw, "/v1/models"), "sk-caller-e2").statusCode(),
                    "a caller key of another environment is unknown here");
            HttpResponse<String> chat = chat(http, gw, "alias-e1");
            assertEquals(200, chat.statusCode(), chat.body());
            assertTrue(chat.body().contains("hello over tls"), chat.body());

            assertEquals(-1, gw.adminPort(), "no admin listener in managed mode");
            assertThrows(ConnectException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", adminPort), 2000);
                }
            }, "admin.addr must stay closed even with admin.enabled: true");
            assertTrue(gw.metricsPort() > 0);
            assertEquals(200, get(http, "http://127.0.0.1:" + gw.metricsPort() + "/livez", null).statusCode());

            long rev = etcd.revision();
            gatewayId = Files.readString(dir.resolve("data/gateway_id")).trim();
            ControlPlaneStub.Beat beat = controlPlane.await(b -> b.body().path("revision").asLong() >= rev
                    && b.body().path("gateway_id").asText().equals(gatewayId), Duration.ofSeconds(15));
            assertEquals("e1", beat.body().path("env_id").asText());
            assertEquals("ok", beat.body().path("status").asText(), beat.body().toString());
            assertTrue(beat.body().path("config_connected").asBoolean());
            assertFalse(beat.body().path("version").asText().isEmpty());
            assertTrue(beat.clientSubject().contains("CN=gw-e1"), "heartbeat over the managed identity: "
                    + beat.clientSubject());

            long rev2 = etcd.put("/aisix/e1/models/m2", "{\"display_name\": \"alias-e1-new\", \"provider_key_id\": \"pk\","
                    + " \"model_name\": \"up\"}");
            ManagedGateways.awaitAlias(gw, "alias-e1-new");
            controlPlane.await(b -> b.body().path("revision").asLong() >= rev2, Duration.ofSeconds(15));
        }

        etcd.kill();
        try (Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, managedFiles(), adminPort), Map.of())) {
            ManagedGateways.awaitAlias(gw, "alias-e1-new");
            HttpResponse<String> models = get(http, proxy(gw, "/v1/models"), "sk-caller-e1");
            assertEquals(200, models.statusCode(), models.body());
            assertEquals(Set.of("alias-e1", "alias-e1-new"), ids(models.body()), "served from the snapshot cache");
            // serving, but not ready while the control plane is unreachable (store.ready_while_disconnected)
            HttpResponse<String> ready = get(http, proxy(gw, "/readyz"), null);
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("unreachable"), ready.body());
            assertEquals(200, chat(http, gw, "alias-e1").statusCode());
            ControlPlaneStub.Beat beat = controlPlane.await(b -> b.body().path("gateway_id").asText().equals(gatewayId)
                    && !b.body().path("config_connected").asBoolean(true), Duration.ofSeconds(15));
            assertEquals("degraded", beat.body().path("status").asText(), "the same gateway id after a restart, "
                    + "reporting the lost store: " + beat.body());
        } finally {
            etcd.restart();
        }
        etcd.delete("/aisix/e1/models/m2");
    }

    /**
     * The heartbeat is a side call: Helidon's WebClient although upstream.client is the builtin one,
     * through the CONNECT proxy of HTTPS_PROXY, with the managed identity inside the tunnel.
     */
    @Test
    void heartbeatsGoThroughHelidonsWebClientAndTheEgressProxy() throws Exception {
        try (ConnectProxy egress = ConnectProxy.start();
             Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, managedFiles(),
                     LocalProcesses.freePort()), Map.of("HTTPS_PROXY", egress.url()))) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            String id = gw.managed().orElseThrow().gatewayId();
            ControlPlaneStub.Beat beat = controlPlane.await(b -> b.body().path("gateway_id").asText().equals(id),
                    Duration.ofSeconds(15));
            assertTrue(beat.userAgent().startsWith("Helidon"), "sent by Helidon's WebClient: " + beat.userAgent());
            assertTrue(beat.clientSubject().contains("CN=gw-e1"), "over the managed identity: " + beat.clientSubject());
            String port = controlPlane.url().substring(controlPlane.url().lastIndexOf(':') + 1);
            assertTrue(egress.seen().stream().anyMatch(s -> s.requestLine().matches("CONNECT (127\\.0\\.0\\.1|localhost):"
                    + port + " HTTP/1\\.1")), "tunnelled through the egress proxy: " + egress.seen());
        }
    }

    @Test
    void takesTheCertificateBundleFromEnvironmentVariables() throws Exception {
        Map<String, String> env = Map.of(
                "AISIX_MANAGED__CA_PEM", Files.readString(ca.cert()),
                "AISIX_MANAGED__CERT_PEM", Files.readString(client.cert()),
                "AISIX_MANAGED__KEY_PEM", Files.readString(client.key()));
        String block = "control_plane_url: " + controlPlane.url() + ", etcd_endpoint: " + etcd.endpoint()
                + ", heartbeat_interval_seconds: 1, snapshot_cache_file: ''";
        List<Path> before = managedTempDirs();
        try (Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, block, LocalProcesses.freePort()), env)) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals(Set.of("alias-e1"), ids(get(http, proxy(gw, "/v1/models"), "sk-caller-e1").body()));
            String id = gw.managed().orElseThrow().gatewayId();
            controlPlane.await(b -> b.body().path("gateway_id").asText().equals(id), Duration.ofSeconds(15));
            assertEquals(before, managedTempDirs(), "the private PEM copies are gone once the etcd client read them");
        }
    }

    /**
     * AISIX's managed bootstrap as its shipped config.managed.yaml spells it: managed.enabled,
     * mtls_dir, dp_id_file, snapshot_cache_path, heartbeat_interval_secs, observability's metrics
     * listener, a placeholder etcd endpoint, and the control plane and bundle from AISIX's variables.
     * The bundle lands in mtls_dir as ca.crt / client.crt / client.key, so a restart without the PEM
     * variables serves the same environment under the same gateway id.
     */
    @Test
    void aisixManagedConfigServesAndKeepsItsBundleInMtlsDir() throws Exception {
        Path mtls = dir.resolve("mtls");
        Path dpId = dir.resolve("dp_id");
        String yaml = """
                etcd: { endpoints: ["https://placeholder-overridden-at-register:2379"], prefix: /aisix, dial_timeout_ms: 5000, request_timeout_ms: 5000 }
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: "127.0.0.1:0", admin_keys: [managed-mode-admin-disabled] }
                observability:
                  service_name: aisix
                  log_level: info
                  access_log: true
                  metrics: { prometheus: { enabled: true, path: /metrics, addr: "127.0.0.1:0" }, otlp: { enabled: false } }
                  tracing: { otlp: { enabled: false, sample_ratio: 1.0 } }
                managed: { enabled: true, mtls_dir: %s, dp_id_file: %s, snapshot_cache_path: %s, heartbeat_interval_secs: 5 }
                cache: { backend: memory }
                upstream: { pool_idle_timeout_secs: 30, retries: 0 }
                shutdown: { min_drain_secs: 30 }
                """.formatted(mtls, dpId, dir.resolve("config_cache.json"));
        Map<String, String> endpoints = Map.of("AISIX_MANAGED__CP_BASE_URL", controlPlane.url(),
                "AISIX_MANAGED__CP_ETCD_ENDPOINT", etcd.endpoint().replace("https://", ""));
        Map<String, String> env = new java.util.HashMap<>(endpoints);
        env.put("AISIX_MANAGED__CP_CA_PEM", Files.readString(ca.cert()));
        env.put("AISIX_MANAGED__CP_CERT_PEM", Files.readString(client.cert()));
        env.put("AISIX_MANAGED__CP_KEY_PEM", Files.readString(client.key()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String gatewayId;
        try (Gateway gw = ManagedGateways.start(dir, yaml, env)) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            assertEquals(Set.of("alias-e1"), ids(get(http, proxy(gw, "/v1/models"), "sk-caller-e1").body()));
            assertEquals(-1, gw.adminPort());
            assertEquals(200, get(http, "http://127.0.0.1:" + gw.metricsPort() + "/metrics", null).statusCode());
            gatewayId = Files.readString(dpId).trim();
            assertEquals(gatewayId, gw.managed().orElseThrow().gatewayId(), "the gateway id lives in dp_id_file");
            controlPlane.await(b -> b.body().path("gateway_id").asText().equals(gatewayId), Duration.ofSeconds(15));
        }
        assertEquals(Files.readString(ca.cert()), Files.readString(mtls.resolve("ca.crt")));
        assertEquals(Files.readString(client.cert()), Files.readString(mtls.resolve("client.crt")));
        assertEquals(Files.readString(client.key()), Files.readString(mtls.resolve("client.key")));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(mtls.resolve("client.key"))));
        assertTrue(Files.exists(dir.resolve("config_cache.json")), "snapshot_cache_path is the snapshot cache");

        try (Gateway gw = ManagedGateways.start(dir, yaml, endpoints)) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            assertEquals(200, chat(http, gw, "alias-e1").statusCode(), "the bundle came from mtls_dir this time");
            assertEquals(gatewayId, gw.managed().orElseThrow().gatewayId());
        }
    }

    @Test
    void heartbeatFailuresAreLoggedOncePerMinuteAndNeverStopServing() throws Exception {
        controlPlane.status = 503;
        try (LogCapture logs = LogCapture.of(Heartbeat.class.getName());
             Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, managedFiles(), LocalProcesses.freePort()),
                Map.of())) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            Heartbeat hb = gw.managed().orElseThrow().heartbeat();
            awaitTrue(() -> hb.failed() >= 3, "three failed heartbeats");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals(200, get(http, proxy(gw, "/v1/models"), "sk-caller-e1").statusCode());
            assertEquals(200, chat(http, gw, "alias-e1").statusCode());
            List<String> warnings = logs.messages(Level.WARNING);
            assertEquals(1, warnings.size(), "failures within a minute are logged once: " + warnings);
            assertTrue(warnings.get(0).contains("HTTP 503"), warnings.get(0));

            controlPlane.status = 204;
            awaitTrue(() -> hb.sent() >= 1, "a heartbeat accepted after the outage");
            awaitTrue(() -> logs.messages(Level.INFO).stream().anyMatch(m -> m.contains("succeeded again")),
                    "the recovery is logged");
        } finally {
            controlPlane.status = 204;
        }
    }

    @Test
    void anUnreachableControlPlaneDoesNotStopTheGateway() throws Exception {
        String block = managedFiles().replace(controlPlane.url(), "https://127.0.0.1:" + LocalProcesses.freePort());
        try (Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, block, LocalProcesses.freePort()),
                Map.of())) {
            ManagedGateways.awaitAlias(gw, "alias-e1");
            Heartbeat hb = gw.managed().orElseThrow().heartbeat();
            awaitTrue(() -> hb.failed() >= 2, "failed heartbeats");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals(200, get(http, proxy(gw, "/v1/models"), "sk-caller-e1").statusCode());
            assertEquals(0, hb.sent());
        }
    }

    private static List<Path> managedTempDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("aisix-managed-")).sorted().toList();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String proxy(Gateway gw, String path) {
        return "http://127.0.0.1:" + gw.proxyPort() + path;
    }

    private static HttpResponse<String> get(HttpClient http, String url, String callerKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (callerKey != null) {
            b.header("Authorization", "Bearer " + callerKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> chat(HttpClient http, Gateway gw, String model) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(proxy(gw, "/v1/chat/completions")))
                .header("Authorization", "Bearer sk-caller-e1").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + model
                        + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> ids(String modelsBody) throws IOException {
        List<String> out = new ArrayList<>();
        JSON.readTree(modelsBody).path("data").forEach(m -> out.add(m.path("id").asText()));
        return Set.copyOf(out);
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
