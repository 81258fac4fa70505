package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aisix.kernel.config.Addr;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files parse, and what they say agrees with the gateway: the configs they carry
 * load with the gateway's own loader, ports and probe paths match the listeners, and the
 * termination grace period covers the preStop pause plus the drain timeout.
 */
class DeployManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path K8S = ROOT.resolve("deploy/kubernetes");

    @TempDir
    Path dir;

    private static List<JsonNode> documents() throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (it.hasNext()) {
                        JsonNode d = it.next();
                        assertTrue(d.hasNonNull("apiVersion") && d.hasNonNull("kind"), f + ": apiVersion and kind");
                        if (!d.get("kind").asText().equals("Kustomization")) {
                            assertTrue(d.path("metadata").hasNonNull("name"), f + ": metadata.name");
                        }
                        docs.add(d);
                    }
                }
            }
        }
        return docs;
    }

    private static JsonNode one(List<JsonNode> docs, String kind, String name) {
        return docs.stream().filter(d -> d.get("kind").asText().equals(kind)
                && (name == null || d.at("/metadata/name").asText().equals(name))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private GatewayConfig load(String yaml) throws IOException {
        return ConfigLoader.load(Files.writeString(dir.resolve("config.yaml"), yaml), Map.of());
    }

    @Test
    void everyFileParsesAndTheKustomizationListsThemAll() throws IOException {
        List<JsonNode> docs = documents();
        JsonNode kustomization = one(docs, "Kustomization", null);
        TreeSet<String> listed = new TreeSet<>();
        kustomization.get("resources").forEach(r -> listed.add(r.asText()));
        TreeSet<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.list(K8S)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.endsWith(".example.yaml"))
                    .forEach(present::add);
        }
        assertEquals(present, listed);
    }

    @Test
    void theDeploymentAgreesWithTheGatewaysConfig() throws IOException {
        List<JsonNode> docs = documents();
        GatewayConfig config = load(one(docs, "ConfigMap", "aisix-config").at("/data/config.yaml").asText());
        assertEquals("etcd", config.storeBackend(), "replicas share one etcd, never an embedded store each");
        assertEquals("redis", config.plugins().sections().get("rate-limit").values().path("backend").asText(),
                "limits hold for the deployment, not per replica");
        assertEquals("redis", config.plugins().sections().get("cache").values().path("backend").asText());
        assertTrue(config.plugins().sections().get("cache-redis").values().has("url"));
        assertEquals(true, config.store().readyWhileDisconnected(),
                "an etcd outage must not unready every replica at once");
        assertFalse(config.etcd().snapshotCacheFile().isEmpty(), "a restarted replica serves through an outage");

        JsonNode pod = one(docs, "Deployment", "aisix").at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        Map<String, Integer> ports = new java.util.HashMap<>();
        container.get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
        assertEquals(Addr.parse("proxy.addr", config.proxy().addr()).port(), ports.get("proxy"));
        assertEquals(Addr.parse("admin.addr", config.admin().addr()).port(), ports.get("admin"));
        assertEquals(Addr.parse("metrics.addr", config.metrics().addr()).port(), ports.get("metrics"));

        assertEquals("/livez", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/livez", container.at("/startupProbe/httpGet/path").asText());
        assertEquals("/readyz", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("proxy", container.at("/readinessProbe/httpGet/port").asText());

        int preStop = container.at("/lifecycle/preStop/sleep/seconds").asInt();
        int grace = pod.get("terminationGracePeriodSeconds").asInt();
        assertTrue(preStop > 0);
        assertEquals(preStop + config.shutdown().drainTimeoutSeconds() + 5, grace,
                "grace = preStop + drain_timeout_seconds + 5 s to exit");

        assertEquals("aisix-admin", container.at("/env/0/valueFrom/secretKeyRef/name").asText());
        assertEquals("AISIX_ADMIN_KEY", container.at("/env/0/name").asText());
        JsonNode secret = YAML.readTree(K8S.resolve("secret.example.yaml").toFile());
        assertTrue(secret.at("/stringData").has(container.at("/env/0/valueFrom/secretKeyRef/key").asText()));
        assertEquals(10001, pod.at("/securityContext/runAsUser").asInt());
        assertEquals("/etc/aisix", container.at("/volumeMounts/0/mountPath").asText());
    }

    @Test
    void callersGetTheProxyOnlyAndTheAdminListenerStaysInternal() throws IOException {
        List<JsonNode> docs = documents();
        JsonNode proxy = one(docs, "Service", "aisix");
        assertEquals(1, proxy.at("/spec/ports").size());
        assertEquals("proxy", proxy.at("/spec/ports/0/targetPort").asText());
        JsonNode admin = one(docs, "Service", "aisix-admin");
        assertEquals("ClusterIP", admin.at("/spec/type").asText());
        assertEquals("admin", admin.at("/spec/ports/0/targetPort").asText());
        assertFalse(docs.stream().anyMatch(d -> d.get("kind").asText().equals("Ingress")));
        JsonNode selector = one(docs, "Deployment", "aisix").at("/spec/selector/matchLabels");
        assertEquals(selector, one(docs, "PodDisruptionBudget", "aisix").at("/spec/selector/matchLabels"));
        assertEquals(selector, proxy.at("/spec/selector"));
        assertEquals(selector, one(docs, "NetworkPolicy", "aisix").at("/spec/podSelector/matchLabels"));
    }

    @Test
    void theContainerImagesConfigLoads() throws IOException {
        GatewayConfig c = load(Files.readString(ROOT.resolve("deploy/container/config.yaml")));
        assertEquals("/var/lib/aisix/data", c.store().dataDir());
        assertEquals("127.0.0.1:3001", c.admin().addr(), "the admin listener is published deliberately, not by default");
    }
}
