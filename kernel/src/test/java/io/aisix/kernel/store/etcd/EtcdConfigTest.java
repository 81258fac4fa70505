package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Startup validation of {@code etcd.*}: every problem is a ConfigException naming the key, before any connection. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdConfigTest {
    @TempDir
    static Path pki;
    static TestPki.Pair ca;
    static TestPki.Pair client;
    static TestPki.Pair other;

    @BeforeAll
    static void makeCertificates() {
        ca = TestPki.ca(pki, "ca");
        client = TestPki.client(pki, "client", ca);
        other = TestPki.client(pki, "other", ca);
    }

    private static GatewayConfig.Etcd tls(String ca, String cert, String key, String serverName) {
        return new GatewayConfig.Etcd(List.of("https://127.0.0.1:2379"), "/aisix", null, null,
                new GatewayConfig.EtcdTls(ca, cert, key, serverName), null, null);
    }

    private static ConfigException fails(String key, Executable build) {
        ConfigException e = assertThrows(ConfigException.class, build);
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
        return e;
    }

    @Test
    void aMissingCertFileNamesTheKeyAndThePath() {
        ConfigException e = fails("etcd.tls.cert_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), "/x/y.pem", client.key().toString(), null)));
        assertEquals("etcd.tls.cert_file: cannot read /x/y.pem (No such file)", e.getMessage());
        fails("etcd.tls.ca_file", () -> EtcdStore.create(tls("/nope/ca.pem", null, null, null)));
        fails("etcd.tls.key_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), client.cert().toString(), "/nope/k.pem", null)));
        ConfigException dir = fails("etcd.tls.ca_file", () -> EtcdStore.create(tls(pki.toString(), null, null, null)));
        assertTrue(dir.getMessage().contains("Is a directory"), dir.getMessage());
    }

    @Test
    void garbageFilesNameTheirKey() throws Exception {
        Path garbage = Files.writeString(pki.resolve("garbage.pem"), "hello, not a certificate\n");
        Path broken = Files.writeString(pki.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAAnotbase64!!\n-----END CERTIFICATE-----\n");
        fails("etcd.tls.ca_file", () -> EtcdStore.create(tls(garbage.toString(), null, null, null)));
        fails("etcd.tls.ca_file", () -> EtcdStore.create(tls(broken.toString(), null, null, null)));
        fails("etcd.tls.cert_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), garbage.toString(), client.key().toString(), null)));
        fails("etcd.tls.key_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), client.cert().toString(), garbage.toString(), null)));
        // a certificate where the key should be
        fails("etcd.tls.key_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), client.cert().toString(), client.cert().toString(), null)));
    }

    @Test
    void keyAndCertificateMustBelongTogether() {
        ConfigException e = fails("etcd.tls.key_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), client.cert().toString(), other.key().toString(), null)));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        fails("etcd.tls.key_file", () -> EtcdStore.create(tls(ca.cert().toString(), client.cert().toString(), null, null)));
        fails("etcd.tls.cert_file", () -> EtcdStore.create(tls(ca.cert().toString(), null, client.key().toString(), null)));
    }

    @Test
    void encryptedKeysAreRefusedWithAHint() {
        Path enc = pki.resolve("enc.key");
        TestPki.openssl(pki, "pkcs8", "-topk8", "-in", client.key().toString(), "-out", enc.toString(),
                "-v2", "aes-256-cbc", "-passout", "pass:secret");
        ConfigException e = fails("etcd.tls.key_file", () -> EtcdStore.create(
                tls(ca.cert().toString(), client.cert().toString(), enc.toString(), null)));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }

    @Test
    void pkcs1AndSec1KeysAreRead() {
        // SEC1 "EC PRIVATE KEY", as cfssl and `openssl ec` write it
        Path sec1 = pki.resolve("client-sec1.key");
        TestPki.openssl(pki, "ec", "-in", client.key().toString(), "-out", sec1.toString());
        assertTrue(read(sec1).contains("BEGIN EC PRIVATE KEY"));
        PrivateKey ec = PemFiles.privateKey("k", sec1.toString());
        PemFiles.checkPair("k", sec1.toString(), ec, PemFiles.certificates("c", client.cert().toString()).get(0), "c");

        // PKCS#1 "RSA PRIVATE KEY"
        Path rsaKey = pki.resolve("rsa.key");
        Path rsaCert = pki.resolve("rsa.pem");
        Path pkcs1 = pki.resolve("rsa-pkcs1.key");
        TestPki.openssl(pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rsaKey.toString(),
                "-out", rsaCert.toString(), "-days", "1", "-subj", "/CN=rsa");
        TestPki.openssl(pki, "rsa", "-in", rsaKey.toString(), "-out", pkcs1.toString(), "-traditional");
        assertTrue(read(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        PrivateKey rsa = PemFiles.privateKey("k", pkcs1.toString());
        assertEquals("RSA", rsa.getAlgorithm());
        PemFiles.checkPair("k", pkcs1.toString(), rsa, PemFiles.certificates("c", rsaCert.toString()).get(0), "c");
        // and a whole store config with it
        EtcdStore.create(tls(ca.cert().toString(), rsaCert.toString(), pkcs1.toString(), null)).close();
    }

    @Test
    void nothingConnectsBeforeValidationPasses() throws Exception {
        try (ServerSocket etcd = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            etcd.setSoTimeout(300);
            GatewayConfig.Etcd cfg = new GatewayConfig.Etcd(List.of("https://127.0.0.1:" + etcd.getLocalPort()), "/aisix",
                    null, null, new GatewayConfig.EtcdTls(ca.cert().toString(), "/x/y.pem", client.key().toString(), null),
                    null, null);
            fails("etcd.tls.cert_file", () -> EtcdStore.create(cfg));
            // a valid config does not connect either until it is used
            EtcdStore.create(new GatewayConfig.Etcd(List.of("http://127.0.0.1:" + etcd.getLocalPort()), "/aisix",
                    null, null, null, null, null)).close();
            assertThrows(SocketTimeoutException.class, etcd::accept);
        }
    }

    /**
     * {@code etcd.request_timeout_ms} bounds a read: against an etcd that accepts the connection and
     * never answers, the read fails after it, not after the (longer) dial timeout.
     */
    @Test
    void theRequestTimeoutBoundsAReadThatGetsNoAnswer() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            GatewayConfig.Etcd cfg = new GatewayConfig.Etcd(List.of("http://127.0.0.1:" + silent.getLocalPort()), "/aisix",
                    null, null, null, null, 20_000, 300);
            try (EtcdStore store = EtcdStore.create(cfg)) {
                long t0 = System.nanoTime();
                assertThrows(io.aisix.kernel.store.StoreUnavailableException.class, () -> store.list("models"));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 10_000, "failed after " + ms + " ms: the 20 s dial timeout bounded it, not the 300 ms "
                        + "request timeout");
            }
        }
    }

    @Test
    void endpointsAreChecked() {
        fails("etcd.endpoints", () -> EtcdStore.create(new GatewayConfig.Etcd(List.of("ftp://127.0.0.1:2379"),
                null, null, null, null, null, null)));
        fails("etcd.endpoints", () -> EtcdStore.create(new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379", "https://127.0.0.1:2380"),
                null, null, null, null, null, null)));
        fails("etcd.endpoints", () -> EtcdStore.create(new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379"), null, null, null,
                new GatewayConfig.EtcdTls(ca.cert().toString(), null, null, null), null, null)));
        fails("etcd.endpoints", () -> EtcdStore.create(new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379/v3"),
                null, null, null, null, null, null)));
        fails("etcd.dial_timeout_ms", () -> EtcdStore.create(new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379"),
                null, null, null, null, null, 0)));
        // defaults: no endpoints configured means http://127.0.0.1:2379; a bare host:port is http
        EtcdStore.create(GatewayConfig.defaults().etcd()).close();
        EtcdStore.create(new GatewayConfig.Etcd(List.of("127.0.0.1:2379"), null, null, null, null, null, null)).close();
    }

    @Test
    void passwordComesFromTheNamedEnvironmentVariable() {
        GatewayConfig.Etcd cfg = new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379"), "/aisix", "root",
                "AISIX_TEST_ETCD_PASSWORD", null, null, null);
        ConfigException missing = fails("etcd.password_env", () -> EtcdStore.builder(cfg).env(Map.<String, String>of()::get).build());
        assertTrue(missing.getMessage().contains("AISIX_TEST_ETCD_PASSWORD"), missing.getMessage());
        try (EtcdStore store = EtcdStore.builder(cfg).env(Map.of("AISIX_TEST_ETCD_PASSWORD", "pw-1234567")::get).build()) {
            assertFalse(store.toString().contains("pw-1234567"));
        }
        fails("etcd.password_env", () -> EtcdStore.create(new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379"), "/aisix",
                "root", null, null, null, null)));
        fails("etcd.user", () -> EtcdStore.builder(new GatewayConfig.Etcd(List.of("http://127.0.0.1:2379"), "/aisix",
                null, "X", null, null, null)).env(Map.of("X", "y")::get).build());
    }

    @Test
    void prefixIsNormalised() {
        assertEquals("/aisix/", new EtcdKeys("/aisix").root());
        assertEquals("/aisix/", new EtcdKeys("/aisix//").root());
        assertEquals("/", new EtcdKeys("").root());
        assertEquals("/", new EtcdKeys("/").root());
        EtcdKeys k = new EtcdKeys("/aisix");
        assertEquals(new EtcdKeys.Ref("models", "m-1.x_Y"), k.parse("/aisix/models/m-1.x_Y"));
        assertEquals(null, k.parse("/aisixmodels/m1"));
        assertEquals(null, k.parse("/aisix/models/"));
        assertEquals(null, k.parse("/aisix/models/a/b"));
        assertEquals(null, k.parse("/aisix/models/a b"));
        assertEquals(null, k.parse("/aisix/models"));
        assertEquals(null, k.parse("/aisix/models/" + "x".repeat(129)));
        assertEquals(new EtcdKeys.Ref("models", "x".repeat(128)), k.parse("/aisix/models/" + "x".repeat(128)));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
