package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreUnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** TLS (server certificate checked against etcd.tls.ca_file) and mTLS (client certificate) against real etcd. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdStoreTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String P = "/aisix";
    private static EtcdServer tls;
    private static EtcdServer mtls;

    @TempDir
    static Path other;

    @BeforeAll
    static void startEtcd() {
        tls = EtcdServer.start(EtcdServer.Security.TLS);
        mtls = EtcdServer.start(EtcdServer.Security.MTLS);
    }

    @AfterAll
    static void stopEtcd() {
        if (tls != null) {
            tls.close();
        }
        if (mtls != null) {
            mtls.close();
        }
    }

    private static GatewayConfig.Etcd cfg(EtcdServer etcd, String endpoint, GatewayConfig.EtcdTls t) {
        return new GatewayConfig.Etcd(List.of(endpoint), P, null, null, t, null, 2000);
    }

    /** Writes, reads and watches through the store. */
    private static void roundTrip(GatewayConfig.Etcd cfg, EtcdServer etcd, String id) {
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.create(cfg)) {
            store.watch(l);
            assertEquals(List.of(true), l.connectionChanges());
            long r = store.put("models", id, "{\"v\":1}".getBytes(StandardCharsets.UTF_8), ConfigStore.ANY).revision();
            assertEquals("{\"v\":1}", store.get("models", id).orElseThrow().valueText());
            long raw = etcd.put(P + "/models/" + id + "-raw", "{}");
            l.await("the writes", WAIT, x -> x.revision() >= raw);
            assertEquals(r, l.row("models", id).revision());
        }
    }

    /** A store that cannot get through: writes fail, the watch reports a disconnect. */
    private static void refused(GatewayConfig.Etcd cfg) {
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.builder(cfg).pause(new TestPause(20).hold()).build()) {
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                    () -> store.put("models", "x", "{}".getBytes(StandardCharsets.UTF_8), ConfigStore.ANY));
            System.out.println("refused as expected: " + e.getMessage());
            store.watch(l);
            assertEquals(List.of(false), l.connectionChanges());
            assertFalse(store.connected());
        }
    }

    @Test
    void tlsWithTheCaAlone() {
        roundTrip(tls.config(P), tls, "tls1");
    }

    @Test
    void tlsWithTheWrongCaFails() {
        TestPki.Pair wrong = TestPki.ca(other, "wrong-ca");
        refused(cfg(tls, tls.endpoint(), new GatewayConfig.EtcdTls(wrong.cert().toString(), null, null, null)));
    }

    @Test
    void serverNameOverridesTheNameChecked() {
        // the certificate names 127.0.0.1 and localhost
        roundTrip(cfg(tls, tls.endpoint(), new GatewayConfig.EtcdTls(tls.caFile().toString(), null, null, "localhost")),
                tls, "sn1");
        refused(cfg(tls, tls.endpoint(), new GatewayConfig.EtcdTls(tls.caFile().toString(), null, null, "etcd.example.com")));
        roundTrip(cfg(tls, "https://localhost:" + tls.clientPort(),
                new GatewayConfig.EtcdTls(tls.caFile().toString(), null, null, null)), tls, "sn2");
    }

    @Test
    void mtlsWithAClientCertificate() {
        roundTrip(mtls.config(P), mtls, "mtls1");
    }

    @Test
    void mtlsWithASec1ClientKey() {
        Path sec1 = other.resolve("client-sec1.key");
        TestPki.openssl(other, "ec", "-in", mtls.clientKeyFile().toString(), "-out", sec1.toString());
        roundTrip(cfg(mtls, mtls.endpoint(), new GatewayConfig.EtcdTls(mtls.caFile().toString(),
                mtls.clientCertFile().toString(), sec1.toString(), null)), mtls, "mtls2");
    }

    @Test
    void mtlsWithoutAClientCertificateFails() {
        refused(cfg(mtls, mtls.endpoint(), new GatewayConfig.EtcdTls(mtls.caFile().toString(), null, null, null)));
    }

    @Test
    void mtlsWithAnUntrustedClientCertificateFails() {
        TestPki.Pair rogueCa = TestPki.ca(other, "rogue-ca");
        TestPki.Pair rogue = TestPki.client(other, "rogue", rogueCa);
        refused(cfg(mtls, mtls.endpoint(), new GatewayConfig.EtcdTls(mtls.caFile().toString(),
                rogue.cert().toString(), rogue.key().toString(), null)));
    }

    @Test
    void plainClientAgainstTlsFails() {
        refused(cfg(tls, "http://127.0.0.1:" + tls.clientPort(), null));
    }
}
