package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.testsupport.TestGateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listener TLS from PEM files on the proxy and admin listeners. */
class ListenerTlsIT {
    @TempDir
    Path dir;

    @Test
    void httpsWithTheTestCaAndRefusedWithout() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        String tls = "{ cert_file: " + certs.serverCert + ", key_file: " + certs.serverKey + " }";
        try (TestGateway gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, tls: " + tls + " }\n"
                + "admin: { addr: 127.0.0.1:0, tls: " + tls + " }\n", null)) {
            HttpClient trusting = HttpClient.newBuilder().sslContext(certs.clientContext())
                    .connectTimeout(Duration.ofSeconds(5)).build();
            for (int port : new int[] {gw.gateway.proxyPort(), gw.gateway.adminPort()}) {
                HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + port + "/livez")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + port + "/livez")).build(), HttpResponse.BodyHandlers.ofString()),
                        "an unknown CA must fail the handshake");
            }
        }
    }

    @Test
    void garbageKeyFileStopsStartupNamingTheKey() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        Path garbage = dir.resolve("garbage.key");
        Files.writeString(garbage, "not a key");
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "proxy: { addr: 127.0.0.1:0, tls: { cert_file: " + certs.serverCert + ", key_file: " + garbage + " } }\n",
                null));
        assertEquals("proxy.tls.key_file", e.key());
    }
}
