package io.aisix.kernel.managed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.Pki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way the managed configuration or certificate bundle can be wrong stops the start before
 * any connection, with one line naming the key (or variable) and the reason, and no secret in it.
 */
class ManagedStartupIT {
    @TempDir
    static Path pki;
    static TestPki.Pair ca;
    static TestPki.Pair client;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() {
        ca = TestPki.ca(pki, "ca");
        client = Pki.managedClient(pki, "gw", ca, "x-aisix://env/e1");
    }

    /** A managed block with the given bundle files; the endpoints are never contacted by these tests. */
    private static String block(Object caFile, Object certFile, Object keyFile) {
        return "control_plane_url: https://127.0.0.1:9, etcd_endpoint: https://127.0.0.1:9"
                + (caFile == null ? "" : ", ca_file: " + caFile)
                + (certFile == null ? "" : ", cert_file: " + certFile)
                + (keyFile == null ? "" : ", key_file: " + keyFile);
    }

    private ConfigException fails(String managedBlock, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> {
            try (Gateway gw = ManagedGateways.start(dir, ManagedGateways.yaml(dir, managedBlock,
                    LocalProcesses.freePort()), env)) {
                // started: the assertion fails
            }
        });
    }

    private ConfigException fails(String managedBlock) {
        return fails(managedBlock, Map.of());
    }

    @Test
    void aCaThatDidNotIssueTheClientCertificate() {
        TestPki.Pair other = TestPki.ca(pki, "other-ca");
        ConfigException e = fails(block(other.cert(), client.cert(), client.key()));
        assertEquals("managed.ca_file", e.key());
        assertTrue(e.getMessage().startsWith("managed.ca_file: " + other.cert() + " did not issue the client certificate in "
                + client.cert()), e.getMessage());
    }

    @Test
    void aCaFileThatDoesNotParse() throws Exception {
        Path garbage = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n");
        ConfigException e = fails(block(garbage, client.cert(), client.key()));
        assertEquals("managed.ca_file", e.key());
        assertTrue(e.getMessage().contains("is not a valid PEM certificate"), e.getMessage());
        Path text = Files.writeString(dir.resolve("ca.txt"), "hello");
        assertTrue(fails(block(text, client.cert(), client.key())).getMessage().contains("holds no PEM certificate"));
    }

    @Test
    void aMissingKeyFile() {
        Path missing = dir.resolve("missing.key");
        ConfigException e = fails(block(ca.cert(), client.cert(), missing));
        assertEquals("managed.key_file: cannot read " + missing + " (No such file)", e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificate() {
        TestPki.Pair other = Pki.managedClient(pki, "other-gw", ca, "x-aisix://env/e1");
        ConfigException e = fails(block(ca.cert(), client.cert(), other.key()));
        assertEquals("managed.key_file", e.key());
        assertTrue(e.getMessage().contains("does not match the certificate"), e.getMessage());
    }

    @Test
    void anExpiredClientCertificate() {
        TestPki.Pair expired = Pki.expiredLeaf(pki, "expired-gw", ca,
                "subjectAltName=URI:x-aisix://env/e1\nextendedKeyUsage=clientAuth\n");
        ConfigException e = fails(block(ca.cert(), expired.cert(), expired.key()));
        assertEquals("managed.cert_file", e.key());
        assertTrue(e.getMessage().contains("expired on 2020-01-02T00:00:00Z"), e.getMessage());
    }

    @Test
    void aClientCertificateWithoutTheEnvironmentUriSan() {
        TestPki.Pair plain = Pki.managedClient(pki, "no-san", ca, null);
        ConfigException e = fails(block(ca.cert(), plain.cert(), plain.key()));
        assertEquals("managed.cert_file: " + plain.cert() + ": client certificate has no URI SAN x-aisix://env/<env_id>",
                e.getMessage());
        TestPki.Pair other = Pki.managedClient(pki, "other-uri", ca, "spiffe://example.org/gw");
        assertEquals("managed.cert_file", fails(block(ca.cert(), other.cert(), other.key())).key());
        TestPki.Pair bad = Pki.managedClient(pki, "bad-env", ca, "x-aisix://env/a/b");
        assertTrue(fails(block(ca.cert(), bad.cert(), bad.key())).getMessage().contains("must match"));
    }

    @Test
    void aFileAndAnEnvironmentVariableForTheSameItem() throws Exception {
        Map<String, String> env = Map.of("AISIX_MANAGED__CERT_PEM", Files.readString(client.cert()));
        ConfigException e = fails(block(ca.cert(), client.cert(), client.key()), env);
        assertEquals("managed.cert_file: is set and so is AISIX_MANAGED__CERT_PEM; give the PEM in one of them only",
                e.getMessage());
    }

    @Test
    void aisixsVariableNamesAndMtlsDir() throws Exception {
        Map<String, String> both = Map.of("AISIX_MANAGED__CERT_PEM", Files.readString(client.cert()),
                "AISIX_MANAGED__CP_CERT_PEM", Files.readString(client.cert()));
        assertEquals("managed.cert_file: AISIX_MANAGED__CERT_PEM and AISIX_MANAGED__CP_CERT_PEM are both set; give the "
                + "PEM in one of them only", fails(block(ca.cert(), null, client.key()), both).getMessage());
        Path empty = dir.resolve("mtls");
        ConfigException e = fails(block(null, null, null) + ", mtls_dir: " + empty);
        assertEquals("managed.mtls_dir: cannot read " + empty.resolve("ca.crt") + " (no such file; put the PEM there, or "
                + "give it in AISIX_MANAGED__CA_PEM once)", e.getMessage());
        assertEquals("managed.mtls_dir", fails(block(null, client.cert(), client.key()).replace("cert_file", "cp_cert_file")
                .replace("key_file", "cp_key_file") + ", mtls_dir: " + empty).key(), "one bundle: folder or files");
        Path dpId = Files.writeString(dir.resolve("dp_id"), "not an id!\n");
        e = fails(block(ca.cert(), client.cert(), client.key()) + ", dp_id_file: " + dpId);
        assertEquals("managed.dp_id_file", e.key());
    }

    @Test
    void aMissingItemAndBadPemInAVariableNameTheVariable() throws Exception {
        ConfigException e = fails(block(ca.cert(), client.cert(), null));
        assertEquals("managed.key_file", e.key());
        assertTrue(e.getMessage().contains("AISIX_MANAGED__KEY_PEM"), e.getMessage());

        Map<String, String> env = new HashMap<>();
        env.put("AISIX_MANAGED__KEY_PEM", "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END PRIVATE KEY-----\n");
        e = fails(block(ca.cert(), client.cert(), null), env);
        assertEquals("managed.key_file", e.key());
        assertTrue(e.getMessage().contains("AISIX_MANAGED__KEY_PEM"), e.getMessage());
        assertFalse(e.getMessage().contains("c2VjcmV0"), "never the PEM text: " + e.getMessage());
    }

    @Test
    void startupConfigRulesOfManagedMode() {
        String good = block(ca.cert(), client.cert(), client.key());
        ConfigException e = assertThrows(ConfigException.class, () -> ManagedGateways.load(dir,
                ManagedGateways.yaml(dir, good, 3001).replace("metrics: { addr: 127.0.0.1:0 }", ""), Map.of()));
        assertEquals("metrics.addr", e.key());
        assertTrue(e.getMessage().contains("required in managed mode"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ManagedGateways.load(dir,
                ManagedGateways.yaml(dir, good.replace("etcd_endpoint: https://", "etcd_endpoint: http://"), 3001), Map.of()));
        assertEquals("managed.etcd_endpoint", e.key());
        e = assertThrows(ConfigException.class, () -> ManagedGateways.load(dir,
                ManagedGateways.yaml(dir, good.replace("control_plane_url: https://127.0.0.1:9, ", ""), 3001), Map.of()));
        assertEquals("managed.control_plane_url: is required in managed mode (AISIX's configs set it with "
                + "AISIX_MANAGED__CP_BASE_URL)", e.getMessage());
        e = assertThrows(ConfigException.class, () -> ManagedGateways.load(dir, ManagedGateways.yaml(dir, good, 3001)
                .replace("etcd: { dial_timeout_ms: 2000 }", "etcd: { tls: { ca_file: " + ca.cert() + " } }"), Map.of()));
        assertEquals("etcd.tls", e.key());
        e = assertThrows(ConfigException.class, () -> ManagedGateways.load(dir, ManagedGateways.yaml(dir, good, 3001)
                .replace("store: { data_dir:", "store: { backend: embedded, data_dir:"), Map.of()));
        assertEquals("store.backend", e.key());
        e = assertThrows(ConfigException.class, () -> ManagedGateways.load(dir,
                ManagedGateways.yaml(dir, good, 3001).replace("deployment: { mode: managed }", ""), Map.of()));
        assertEquals("managed.etcd_endpoint", e.key(), "managed settings in a self-hosted config are a mistake");
    }

    /** The real process: exit code 2 and exactly one line on the console. */
    @Test
    void theProcessExitsWithCodeTwoAndOneLine() throws Exception {
        Path missing = dir.resolve("gw.key");
        Path conf = dir.resolve("managed.yaml");
        Files.writeString(conf, ManagedGateways.yaml(dir, block(ca.cert(), client.cert(), missing), 0));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.aisix.kernel.Main", "--config", conf.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), output);
        assertEquals("aisix: managed.key_file: cannot read " + missing + " (No such file)", output.strip());
    }
}
