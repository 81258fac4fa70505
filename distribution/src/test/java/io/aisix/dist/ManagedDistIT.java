package io.aisix.dist;

import static io.aisix.dist.EtcdPlainDistIT.CHAT;
import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.managed.ControlPlaneStub;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.Pki;
import io.aisix.support.Digests;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Managed mode from the tarball, configured as docs/deployment.md shows: a control plane's etcd
 * that requires client certificates and a heartbeat receiver that does too, both trusting the
 * gateway's certificate with URI SAN {@code x-aisix://env/e1}. No admin listener (even though
 * one is configured), the metrics listener up, the environment's resources served, heartbeats sent.
 */
@Timeout(120)
class ManagedDistIT {
    static final String CALLER = "sk-dist-managed-0123456789";

    @TempDir
    Path dir;

    @Test
    void servesItsEnvironmentWithoutAnAdminListenerAndHeartbeats() throws Exception {
        try (EtcdServer etcd = EtcdServer.start(EtcdServer.Security.MTLS); MockUpstream mock = MockUpstream.start()) {
            mock.defaultScript(Script.reply("managed pong"));
            // the etcd's CA is the control plane's: it signs the gateway's client certificate too
            TestPki.Pair ca = new TestPki.Pair(etcd.caFile(), etcd.dir().resolve("ca.key"));
            Path pki = Files.createDirectories(dir.resolve("pki"));
            TestPki.Pair gateway = Pki.managedClient(pki, "gateway", ca, "x-aisix://env/e1");
            for (String env : new String[] {"e1", "e2"}) {
                etcd.put("/aisix/" + env + "/provider_keys/pk", "{\"display_name\":\"pk\",\"provider\":\"openai\","
                        + "\"api_key\":\"sk-up-managed-123456\",\"api_base\":\"" + mock.openAiBase() + "\"}");
                etcd.put("/aisix/" + env + "/models/m", "{\"display_name\":\"alias-" + env + "\",\"provider_key_id\":\"pk\","
                        + "\"model_name\":\"gpt-4o\"}");
                etcd.put("/aisix/" + env + "/api_keys/k", "{\"display_name\":\"c\",\"key_hash\":\""
                        + Digests.sha256Hex(CALLER) + "\"}");
            }
            int adminPort = LocalProcesses.freePort();
            try (ControlPlaneStub controlPlane = new ControlPlaneStub(TestPki.server(pki, "control-plane", ca), ca);
                 InstalledGateway gw = InstalledGateway.start(dir, """
                         deployment: { mode: managed }
                         managed:
                           control_plane_url: %s
                           etcd_endpoint: %s
                           ca_file: %s
                           cert_file: %s
                           key_file: %s
                           heartbeat_interval_seconds: 1
                           snapshot_cache_file: %s
                         proxy: { addr: 127.0.0.1:0 }
                         admin: { addr: 127.0.0.1:%d }
                         metrics: { addr: 127.0.0.1:0 }
                         store: { data_dir: %s }
                         etcd: { prefix: /aisix }
                         """.formatted(controlPlane.url(), etcd.endpoint(), ca.cert(), gateway.cert(), gateway.key(),
                         dir.resolve("data/managed-snapshot.json"), adminPort, dir.resolve("data")), Map.of("AISIX_ADMIN_KEY", ""),
                         null)) {
                String gatewayId = Files.readString(dir.resolve("data/gateway_id")).strip();
                assertTrue(gw.stdout().endsWith("store etcd " + etcd.endpoint() + " (managed, environment e1, gateway "
                        + gatewayId + ")\n"), gw.stdout());
                assertEquals(-1, gw.port("admin"), gw.stdout());
                assertFalse(gw.stdout().contains("admin"), "no admin listener and no admin key: " + gw.stdout());
                assertThrows(IOException.class, () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", adminPort), 1000);
                    }
                }, "the configured admin port stays closed");

                assertEquals(200, gw.get("metrics", "/livez").statusCode());
                eventually("the environment's alias is served", Duration.ofSeconds(20), () -> gw.proxy("POST",
                        "/v1/chat/completions", CALLER, CHAT.formatted("alias-e1")).statusCode() == 200);
                HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("alias-e1"));
                assertEquals("managed pong", read(r).at("/choices/0/message/content").asText(), r.body());
                assertEquals(404, gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("alias-e2")).statusCode(),
                        "another environment's rows are never read");
                HttpResponse<String> metrics = gw.get("metrics", "/metrics");
                assertEquals(200, metrics.statusCode());
                assertTrue(metrics.body().contains("aisix_requests_total"), metrics.body());

                // the control plane projects a new row: served live
                etcd.put("/aisix/e1/models/m2", "{\"display_name\":\"projected\",\"provider_key_id\":\"pk\","
                        + "\"model_name\":\"gpt-4o\"}");
                eventually("the projected row is served", Duration.ofSeconds(10), () -> gw.proxy("POST",
                        "/v1/chat/completions", CALLER, CHAT.formatted("projected")).statusCode() == 200);

                ControlPlaneStub.Beat beat = controlPlane.await(b -> b.body().path("revision").asLong() > 0
                        && b.body().path("config_connected").asBoolean(), Duration.ofSeconds(20));
                assertEquals("e1", beat.body().path("env_id").asText());
                assertEquals(gatewayId, beat.body().path("gateway_id").asText());
                assertEquals("0.1.0-SNAPSHOT", beat.body().path("version").asText());
                assertTrue(beat.clientSubject().contains("CN=gateway"), beat.clientSubject());
                gw.assertNoJdkWarnings();
            }
        }
    }
}
