package io.aisix.dist;

import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.etcdctl;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball's gateway on an etcd that requires TLS, client certificates (mTLS), or a user and
 * password (etcd authentication on, a user allowed the gateway's prefix only), configured as
 * docs/deployment.md shows: Admin writes land in etcd and the proxy serves them.
 */
@Timeout(120)
class EtcdSecuredDistIT {
    static final String CALLER = "sk-dist-secured-0123456789";
    static final String ROOT = "root:r00t-Pa55word-dist";
    static final String PASSWORD = "gw-Pa55word-dist";

    @TempDir
    Path dir;
    static MockUpstream mock;

    @BeforeAll
    static void startMock() {
        mock = MockUpstream.start().defaultScript(Script.reply("pong"));
    }

    @AfterAll
    static void stopMock() {
        mock.close();
    }

    @Test
    void tls() {
        try (EtcdServer etcd = EtcdServer.start(EtcdServer.Security.TLS)) {
            roundTrip(etcd, null, "tls: { ca_file: " + etcd.caFile() + " }", Map.of());
        }
    }

    @Test
    void mutualTls() {
        try (EtcdServer etcd = EtcdServer.start(EtcdServer.Security.MTLS)) {
            roundTrip(etcd, null, "tls: { ca_file: " + etcd.caFile() + ", cert_file: " + etcd.clientCertFile()
                    + ", key_file: " + etcd.clientKeyFile() + " }", Map.of());
        }
    }

    @Test
    void userAndPassword() {
        try (EtcdServer etcd = EtcdServer.start()) {
            // as an operator sets it up: root, then a user that may read and write /aisix/ only
            String root = ROOT.substring(0, ROOT.indexOf(':'));
            etcdctl(etcd, null, "user", "add", ROOT);
            etcdctl(etcd, null, "user", "grant-role", root, "root");
            etcdctl(etcd, null, "role", "add", "aisix");
            etcdctl(etcd, null, "role", "grant-permission", "aisix", "--prefix=true", "readwrite", "/aisix/");
            etcdctl(etcd, null, "user", "add", "aisix:" + PASSWORD);
            etcdctl(etcd, null, "user", "grant-role", "aisix", "aisix");
            etcdctl(etcd, null, "auth", "enable");
            roundTrip(etcd, ROOT, "user: aisix, password_env: ETCD_PASSWORD", Map.of("ETCD_PASSWORD", PASSWORD));
        }
    }

    /** Starts the gateway on {@code etcd} with {@code etcdSettings}; an Admin write is in etcd and served. */
    private void roundTrip(EtcdServer etcd, String etcdctlUser, String etcdSettings, Map<String, String> env) {
        try (InstalledGateway gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                etcd: { endpoints: [%s], prefix: /aisix, %s }
                """.formatted(etcd.endpoint(), etcdSettings), env, null)) {
            assertTrue(gw.stdout().contains("store etcd " + etcd.endpoint() + " prefix /aisix"), gw.stdout());
            HttpResponse<String> pk = gw.admin("POST", "/admin/v1/provider_keys", """
                    {"display_name":"pk","provider":"openai","api_key":"sk-up-secured-123456","api_base":"%s"}"""
                    .formatted(mock.openAiBase()));
            assertEquals(201, pk.statusCode(), pk.body() + "\n" + gw.stderr());
            String pkId = read(pk).get("id").asText();
            assertEquals(201, gw.admin("POST", "/admin/v1/models", "{\"display_name\":\"m\",\"provider_key_id\":\""
                    + pkId + "\",\"model_name\":\"gpt-4o\"}").statusCode());
            assertEquals(201, gw.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER + "\"}")
                    .statusCode());
            assertTrue(etcdctl(etcd, etcdctlUser, "get", "/aisix/provider_keys/" + pkId, "--print-value-only")
                    .contains("\"display_name\":\"pk\""), "written to etcd");
            eventually("the alias is served", Duration.ofSeconds(10), () -> gw.proxy("POST", "/v1/chat/completions",
                    CALLER, EtcdPlainDistIT.CHAT.formatted("m")).statusCode() == 200);
            assertTrue(read(gw.admin("GET", "/admin/v1/health", null)).at("/config/connected").asBoolean());
            gw.assertNoJdkWarnings();
            gw.terminate();
            assertEquals(0, gw.awaitExit(Duration.ofSeconds(30)), gw.stderr());
        }
    }
}
