package io.aisix.dist;

import io.aisix.kernel.testsupport.AisixFixtures;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.etcd.PemFiles;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.testsupport.Pki;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * File mode as docs/deployment.md shows it, through the tarball: {@code resources_file} in the
 * startup config, AISIX's own example served unchanged, {@code kill -HUP} applying a valid edit
 * (and the listener certificates in the same signal) and refusing an invalid one while the last
 * good configuration serves, the Admin API read-only, and the starts that must stop.
 */
@Timeout(180)
class ResourcesFileDistIT {
    private static final String APP_KEY = "sk-app-key-0123456789abcdef";
    private static final String LISTENERS = """
            admin: { addr: 127.0.0.1:0 }
            store: { data_dir: ./data }
            """;
    private static final String RESOURCES = """
            _format_version: "1"
            provider_keys:
              - { display_name: openai, provider: openai, api_key: "${OPENAI_KEY}", api_base: "http://127.0.0.1:9/v1" }
            models:
              - { display_name: gpt-4o, provider_key: openai, model_name: gpt-4o }
            api_keys:
              - { display_name: app, key_env: APP_KEY, allowed_models: ["*"] }
            """;
    private static final Map<String, String> ENV = Map.of("APP_KEY", APP_KEY, "OPENAI_KEY", "sk-openai-0123456789abcd");

    @TempDir
    Path dir;


    private static TreeSet<String> aliases(HttpResponse<String> models) throws IOException {
        assertEquals(200, models.statusCode(), models.body());
        JsonNode data = Json.mapper().readTree(models.body()).get("data");
        return new TreeSet<>(StreamSupport.stream(data.spliterator(), false).map(m -> m.get("id").asText()).toList());
    }

    @Test
    void aisixExampleIsServedUnchangedAndTheAdminApiIsReadOnly() throws Exception {
        Path example = AisixFixtures.resourcesFile(dir);
        String yaml = "proxy: { addr: 127.0.0.1:0 }\n" + LISTENERS + "resources_file: " + example + "\n";
        try (InstalledGateway gw = InstalledGateway.start(dir, yaml, Map.of("ANON_PRINCIPAL_KEY", APP_KEY), null)) {
            assertTrue(gw.stdout().contains("store file " + example + " (generation 1; the Admin API is read-only)"),
                    gw.stdout());
            // the tarball serves mcp_servers and mcp_auth_settings (mcp-gateway)
            assertFalse(gw.stderr().contains("collection mcp_servers"), gw.stderr());
            assertFalse(gw.stderr().contains("collection mcp_auth_settings"), gw.stderr());
            // its anonymous block: no credential, any source, the aggregated entry too, as the key anon-principal
            HttpResponse<String> anonymous = gw.proxy("POST", "/mcp", null, "{\"jsonrpc\":\"2.0\",\"id\":1,"
                    + "\"method\":\"tools/list\"}");
            assertEquals(200, anonymous.statusCode(), anonymous.body());
            assertEquals(401, gw.proxy("POST", "/mcp", "sk-some-other-key-000000", "{\"jsonrpc\":\"2.0\",\"id\":1,"
                    + "\"method\":\"tools/list\"}").statusCode(), "a bad credential is never downgraded to anonymous");
            // the example's key may use every MCP tool; its one server (127.0.0.1:13100) is not running here,
            // so the aggregated list is empty rather than failing
            HttpResponse<String> tools = gw.proxy("POST", "/mcp", APP_KEY, "{\"jsonrpc\":\"2.0\",\"id\":1,"
                    + "\"method\":\"tools/list\"}");
            assertEquals(200, tools.statusCode(), tools.body());
            assertEquals(0, Json.mapper().readTree(tools.body()).at("/result/tools").size(), tools.body());
            assertEquals(200, gw.get("proxy", "/readyz").statusCode(), "file mode is applied once read");
            // the example's caller key (key_env, hashed at load) authenticates; it allows no model
            assertEquals(new TreeSet<>(), aliases(gw.proxy("GET", "/v1/models", APP_KEY, null)));
            assertEquals(401, gw.proxy("GET", "/v1/models", "sk-some-other-key-000000", null).statusCode());

            JsonNode keys = Json.mapper().readTree(gw.admin("GET", "/admin/v1/api_keys", null).body());
            assertEquals("9aeb246c-ed38-5bef-a854-c8565ca95fb4", keys.at("/0/id").asText(), "AISIX's uuid5 id");
            HttpResponse<String> write = gw.admin("POST", "/admin/v1/models",
                    "{\"display_name\":\"x\",\"provider_key_id\":\"y\",\"model_name\":\"z\"}");
            assertEquals(405, write.statusCode(), write.body());
            assertTrue(Json.mapper().readTree(write.body()).get("error_msg").asText()
                    .contains("configuration is read from the resources file " + example), write.body());
            assertFalse(gw.stderr().contains(APP_KEY), "the caller key is never logged");
            gw.assertNoJdkWarnings();
        }
    }

    @Test
    void sighupAppliesAValidEditWithTheCertificatesAndRefusesAnInvalidOneWhileTheOldServes() throws Exception {
        Path pki = Files.createDirectories(dir.resolve("pki"));
        TestPki.Pair ca = TestPki.ca(pki, "ca");
        TestPki.Pair first = TestPki.server(pki, "first", ca);
        TestPki.Pair second = TestPki.server(pki, "second", ca);
        Path cert = dir.resolve("proxy.pem");
        Path key = dir.resolve("proxy.key");
        install(first, cert, key);
        Path resources = Files.writeString(dir.resolve("resources.yaml"), RESOURCES);
        String yaml = "proxy: { addr: 127.0.0.1:0, tls: { cert_file: " + cert + ", key_file: " + key + " } }\n"
                + LISTENERS + "resources_file: resources.yaml\n";
        SSLContext client = Pki.clientContext(ca.cert(), null);
        try (InstalledGateway gw = InstalledGateway.start(dir, yaml, ENV, client)) {
            assertEquals(new TreeSet<>(List.of("gpt-4o")), aliases(gw.proxy("GET", "/v1/models", APP_KEY, null)));

            // a valid edit and new certificates, one signal
            Files.writeString(resources, RESOURCES.replace("models:\n", """
                    models:
                      - { display_name: mini, provider_key: openai, model_name: gpt-4o-mini }
                    """));
            install(second, cert, key);
            gw.signal("HUP");
            eventually("the edit serves", Duration.ofSeconds(15), () -> aliasesQuietly(gw).contains("mini"));
            eventually("the proxy serves the new certificate", Duration.ofSeconds(15),
                    () -> serial(second).equals(peerSerial(client, gw.port("proxy"))));
            assertTrue(gw.stderr().contains("SIGHUP: reloading listener TLS certificates and the resources file"),
                    gw.stderr());
            assertTrue(gw.stderr().contains("reloaded: generation 2 applied (1 created, 0 updated, 0 deleted, "
                    + "3 unchanged)"), gw.stderr());

            // an invalid edit: refused whole, generation 2 keeps serving
            Files.writeString(resources, RESOURCES.replace("provider_key: openai", "provider_key: nobody")
                    .replace("APP_KEY", "UNSET_KEY"));
            gw.signal("HUP");
            eventually("the refusal is logged", Duration.ofSeconds(15),
                    () -> gw.stderr().contains("rejected (2 errors); nothing of it applies and generation 2"));
            assertTrue(gw.stderr().contains(resources + ":5:29: error: "
                    + "/models/0/provider_key: no provider key named 'nobody' in this file"), gw.stderr());
            assertEquals(new TreeSet<>(List.of("gpt-4o", "mini")), aliases(gw.proxy("GET", "/v1/models", APP_KEY,
                    null)));
            JsonNode health = Json.mapper().readTree(gw.admin("GET", "/admin/v1/health", null).body());
            assertEquals("degraded", health.get("status").asText(), health.toString());
            assertEquals(2, health.at("/config/resources_file/rejected/errors").size(), health.toString());
            assertEquals(2, health.at("/config/revision").asLong());
            assertEquals(200, gw.get("proxy", "/readyz").statusCode());
            assertTrue(gw.alive());
            gw.assertNoJdkWarnings();
        }
    }

    @Test
    void startsThatMustStop() throws Exception {
        Path resources = Files.writeString(dir.resolve("resources.yaml"), RESOURCES.replace("provider_key: openai",
                "provider_key: nobody"));
        String yaml = "proxy: { addr: 127.0.0.1:0 }\n" + LISTENERS + "resources_file: " + resources + "\n";
        InstalledGateway.Exit invalid = InstalledGateway.run(dir, yaml, Map.of("APP_KEY", APP_KEY),
                Duration.ofSeconds(60));
        assertEquals(2, invalid.code(), invalid.toString());
        assertEquals(List.of("aisix: resources_file: " + resources + " is invalid (2 errors); nothing of it is served:",
                "  " + resources + ":3:56: error: /provider_keys/0/api_key: environment variable OPENAI_KEY is not set",
                "  " + resources + ":5:29: error: /models/0/provider_key: no provider key named 'nobody' in this file"),
                invalid.stderr().lines().filter(l -> !l.contains(" INFO ")).toList(), invalid.toString());
        assertFalse(invalid.stdout().contains("listening"), "nothing was bound");

        InstalledGateway.Exit both = InstalledGateway.run(dir, yaml + "etcd: { endpoints: [http://127.0.0.1:2379] }\n",
                Map.of(), Duration.ofSeconds(60));
        assertEquals(2, both.code(), both.toString());
        assertEquals("aisix: resources_file: is set and so is etcd.endpoints: resources come either from a resources "
                + "file or from etcd; remove one of them", both.stderr().strip(), both.toString());
    }

    private static TreeSet<String> aliasesQuietly(InstalledGateway gw) {
        try {
            return aliases(gw.proxy("GET", "/v1/models", APP_KEY, null));
        } catch (IOException | AssertionError e) {
            return new TreeSet<>();
        }
    }

    private static void install(TestPki.Pair pair, Path cert, Path key) throws IOException {
        Files.copy(pair.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pair.key(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    private static BigInteger serial(TestPki.Pair pair) {
        return PemFiles.certificates("cert", pair.cert().toString()).get(0).getSerialNumber();
    }

    private static BigInteger peerSerial(SSLContext ctx, int port) {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            s.getSession().invalidate();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
