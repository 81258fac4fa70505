package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.store.etcd.PemFiles;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.testsupport.Pki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the proxy, admin and metrics listeners of the installed gateway, and certificate
 * rotation as docs/deployment.md describes it: replace the files, {@code kill -HUP <pid>}, and new
 * handshakes on every listener get the new certificate while the process keeps running.
 */
@Timeout(120)
class ListenerTlsDistIT {
    private static final List<String> LISTENERS = List.of("proxy", "admin", "metrics");

    @TempDir
    Path dir;

    @Test
    void everyListenerServesTlsAndReloadsItsCertificateOnSighup() throws Exception {
        Path pki = Files.createDirectories(dir.resolve("pki"));
        TestPki.Pair ca = TestPki.ca(pki, "ca");
        TestPki.Pair first = TestPki.server(pki, "first", ca);
        TestPki.Pair second = TestPki.server(pki, "second", ca);
        Path tls = Files.createDirectories(dir.resolve("tls"));
        StringBuilder yaml = new StringBuilder();
        for (String listener : LISTENERS) {
            install(first, tls, listener);
            yaml.append(listener).append(": { addr: 127.0.0.1:0, tls: { cert_file: ").append(tls.resolve(listener + ".pem"))
                    .append(", key_file: ").append(tls.resolve(listener + ".key")).append(" } }\n");
        }
        SSLContext client = Pki.clientContext(ca.cert(), null);
        try (InstalledGateway gw = InstalledGateway.start(dir, yaml.toString(), Map.of(), client)) {
            for (String listener : LISTENERS) {
                assertTrue(gw.stdout().contains(listener + " listening on https://127.0.0.1:0"), gw.stdout());
                assertEquals(200, gw.get(listener, "/livez").statusCode(), listener);
                assertEquals(serial(first), peerSerial(client, gw.port(listener)), listener);
            }
            assertEquals(200, gw.admin("GET", "/admin/v1/health", null).statusCode());
            assertEquals(200, gw.get("metrics", "/metrics").statusCode());

            for (String listener : LISTENERS) {
                install(second, tls, listener);
            }
            gw.signal("HUP");
            for (String listener : LISTENERS) {
                eventually(listener + " serves the new certificate", Duration.ofSeconds(15),
                        () -> serial(second).equals(peerSerial(client, gw.port(listener))));
            }
            assertTrue(gw.alive(), "SIGHUP does not stop the process");
            assertEquals(200, gw.get("proxy", "/livez").statusCode());
            gw.assertNoJdkWarnings();
        }
    }

    private static void install(TestPki.Pair pair, Path tls, String listener) throws IOException {
        Files.copy(pair.cert(), tls.resolve(listener + ".pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pair.key(), tls.resolve(listener + ".key"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static BigInteger serial(TestPki.Pair pair) {
        return PemFiles.certificates("cert", pair.cert().toString()).get(0).getSerialNumber();
    }

    private static BigInteger peerSerial(SSLContext ctx, int port) {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            s.getSession().invalidate(); // the next handshake is a full one, never a resumption
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
