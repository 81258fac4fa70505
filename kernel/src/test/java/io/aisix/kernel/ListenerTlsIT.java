package io.aisix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.store.etcd.TestPki;
import io.aisix.kernel.testsupport.Pki;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.testsupport.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listener TLS from PEM files on the proxy, admin and metrics listeners: client-certificate
 * authentication on the admin listener, and certificate reload (SIGHUP) that keeps open
 * connections and keeps the old certificate when the new files are bad.
 */
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

    @Test
    void adminListenerRequiresAClientCertificateFromItsCa() throws Exception {
        Path pki = dir.resolve("pki");
        Files.createDirectories(pki);
        TestPki.Pair ca = TestPki.ca(pki, "ca");
        TestPki.Pair server = TestPki.server(pki, "server", ca);
        TestPki.Pair client = TestPki.client(pki, "operator", ca);
        TestPki.Pair otherCa = TestPki.ca(pki, "other-ca");
        TestPki.Pair stranger = TestPki.client(pki, "stranger", otherCa);
        String tls = "cert_file: " + server.cert() + ", key_file: " + server.key();
        try (TestGateway gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, tls: { " + tls + " } }\n"
                + "admin: { addr: 127.0.0.1:0, tls: { " + tls + ", client_ca_file: " + ca.cert() + " } }\n", null)) {
            String admin = "https://127.0.0.1:" + gw.gateway.adminPort();
            HttpClient anonymous = client(Pki.clientContext(ca.cert(), null));
            assertEquals(200, get(anonymous, "https://127.0.0.1:" + gw.gateway.proxyPort() + "/livez").statusCode(),
                    "the proxy listener asks for no client certificate");
            assertThrows(IOException.class, () -> get(anonymous, admin + "/livez"), "admin without a client certificate");
            assertThrows(IOException.class, () -> get(client(Pki.clientContext(ca.cert(), stranger)), admin + "/livez"),
                    "admin with a client certificate from another CA");

            HttpClient operator = client(Pki.clientContext(ca.cert(), client));
            assertEquals(200, get(operator, admin + "/livez").statusCode());
            HttpResponse<String> health = operator.send(HttpRequest.newBuilder(URI.create(admin + "/admin/v1/health"))
                    .header("Authorization", "Bearer " + TestGateway.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), "the admin key is still required and accepted: " + health.body());
        }
    }

    @Test
    void metricsListenerServesTls() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        try (TestGateway gw = TestGateway.start(dir, "metrics: { addr: 127.0.0.1:0, tls: { cert_file: " + certs.serverCert
                + ", key_file: " + certs.serverKey + " } }\n", null)) {
            String url = "https://127.0.0.1:" + gw.gateway.metricsPort() + "/livez";
            assertEquals(200, get(client(certs.clientContext()), url).statusCode());
            assertThrows(IOException.class, () -> get(client(SSLContext.getDefault()), url));
        }
    }

    @Test
    void reloadSwapsTheCertificateKeepsOpenConnectionsAndSurvivesBadFiles() throws Exception {
        Path pki = dir.resolve("pki");
        Files.createDirectories(pki);
        TestPki.Pair ca = TestPki.ca(pki, "ca");
        TestPki.Pair first = TestPki.server(pki, "first", ca);
        TestPki.Pair second = TestPki.server(pki, "second", ca);
        Path cert = dir.resolve("live.pem");
        Path key = dir.resolve("live.key");
        install(first, cert, key);
        try (TestGateway gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, tls: { cert_file: " + cert
                + ", key_file: " + key + " } }\n", null)) {
            int port = gw.gateway.proxyPort();
            SSLContext ctx = Pki.clientContext(ca.cert(), null);
            try (SSLSocket open = connect(ctx, port)) {
                assertEquals(serial(first), peerSerial(open));
                assertEquals(200, livez(open));

                install(second, cert, key);
                assertEquals(List.of(), gw.gateway.reloadTls());
                assertEquals(200, livez(open), "a connection opened before the reload keeps working");
                assertEquals(serial(first), peerSerial(open));
                try (SSLSocket fresh = connect(ctx, port)) {
                    assertEquals(serial(second), peerSerial(fresh), "new handshakes get the new certificate");
                    assertEquals(200, livez(fresh));
                }

                Files.writeString(key, "not a key");
                List<String> failures = gw.gateway.reloadTls();
                assertEquals(1, failures.size(), failures.toString());
                assertTrue(failures.get(0).startsWith("proxy.tls.key_file: "), failures.get(0));
                try (SSLSocket after = connect(ctx, port)) {
                    assertEquals(serial(second), peerSerial(after), "a bad file keeps the current certificate");
                    assertEquals(200, livez(after));
                }
                TestPki.Pair stranger = TestPki.server(pki, "mismatch", ca);
                Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(stranger.key(), key, StandardCopyOption.REPLACE_EXISTING);
                assertTrue(gw.gateway.reloadTls().get(0).contains("does not match"), "a key of another certificate");
                assertEquals(200, livez(open));
            }
        }
    }

    @Test
    void tlsConfigMistakesStopStartupNamingTheKey() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "admin: { addr: 127.0.0.1:0, tls: { client_ca_file: " + certs.caCert + " } }\n", null));
        assertEquals("admin.tls.client_ca_file", e.key());
        e = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "metrics: { tls: { cert_file: " + certs.serverCert + ", key_file: " + certs.serverKey + " } }\n", null));
        assertEquals("metrics.tls", e.key());
        e = assertThrows(ConfigException.class, () -> TestGateway.start(dir, "admin: { addr: 127.0.0.1:0, tls: { cert_file: "
                + certs.serverCert + ", key_file: " + certs.serverKey + ", client_ca_file: " + dir.resolve("none.pem")
                + " } }\n", null));
        assertEquals("admin.tls.client_ca_file", e.key());

        Path pki = dir.resolve("pki");
        Files.createDirectories(pki);
        TestPki.Pair ca = TestPki.ca(pki, "ca");
        TestPki.Pair expired = Pki.expiredLeaf(pki, "expired", ca, "subjectAltName=IP:127.0.0.1\n");
        e = assertThrows(ConfigException.class, () -> TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, tls: { cert_file: "
                + expired.cert() + ", key_file: " + expired.key() + " } }\n", null));
        assertEquals("proxy.tls.cert_file", e.key());
        assertTrue(e.getMessage().contains("expired on 2020-01-02"), e.getMessage());
    }

    /** SIGHUP to a real gateway process reloads the proxy certificate. */
    @Test
    void sighupReloadsTheCertificateOfARunningProcess() throws Exception {
        assumeFalse(hupIgnored(), "SIGHUP is ignored by whatever started this build (nohup?), and so by the gateway "
                + "process it starts: see aGatewayStartedWithSighupIgnoredSaysSo");
        Path pki = dir.resolve("pki");
        Files.createDirectories(pki);
        TestPki.Pair ca = TestPki.ca(pki, "ca");
        TestPki.Pair first = TestPki.server(pki, "first", ca);
        TestPki.Pair second = TestPki.server(pki, "second", ca);
        Path cert = dir.resolve("live.pem");
        Path key = dir.resolve("live.key");
        install(first, cert, key);
        Path conf = dir.resolve("hup.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0, tls: { cert_file: %s, key_file: %s } }
                admin: { addr: 127.0.0.1:0, admin_keys: [k-0123456789] }
                store: { data_dir: %s }
                """.formatted(cert, key, dir.resolve("data")));
        try (GatewayProcess p = GatewayProcess.start(conf)) {
            int port = p.port();
            SSLContext ctx = Pki.clientContext(ca.cert(), null);
            try (SSLSocket s = connect(ctx, port)) {
                assertEquals(serial(first), peerSerial(s));
            }
            install(second, cert, key);
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.process.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP failed");
            BigInteger seen = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < until) {
                try (SSLSocket s = connect(ctx, port)) {
                    seen = peerSerial(s);
                    if (seen.equals(serial(second))) {
                        break;
                    }
                }
                Thread.sleep(50);
            }
            assertEquals(serial(second), seen, () -> "SIGHUP installs the new certificate; the gateway said: " + p.lines);
            assertTrue(p.process.isAlive(), "SIGHUP must not stop the process");
        }
    }

    /** Started under {@code nohup}, the gateway warns that SIGHUP reloads nothing instead of failing silently. */
    @Test
    void aGatewayStartedWithSighupIgnoredSaysSo() throws Exception {
        Path conf = dir.resolve("nohup.yaml");
        Files.writeString(conf, "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0, admin_keys: [k-0123456789] }\n"
                + "store: { data_dir: %s }\n".formatted(dir.resolve("data")));
        try (GatewayProcess p = GatewayProcess.start(conf, "nohup")) {
            // the warning is logged before the start-up lines
            List<String> lines = List.copyOf(p.lines);
            assertTrue(lines.stream().anyMatch(l -> l.contains("SIGHUP is ignored by the process that started the gateway")
                    && l.contains("reload only on restart")), lines.toString());
            assertTrue(lines.stream().noneMatch(l -> l.contains("SIGTERM is ignored")), lines.toString());
        }
    }

    /**
     * A gateway in its own JVM ({@code Main --config conf}, after {@code prefix}), started: its output
     * up to the start-up's last line (the store) is in {@link #lines}, and what follows is added as
     * it comes (for failure messages, and so that the pipe never fills up).
     */
    private record GatewayProcess(Process process, List<String> lines) implements AutoCloseable {
        private static final Pattern PORT = Pattern.compile("proxy listening on \\S+ \\(port (\\d+)\\)");

        static GatewayProcess start(Path conf, String... prefix) throws IOException {
            List<String> command = new ArrayList<>(List.of(prefix));
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.aisix.kernel.Main", "--config", conf.toString()));
            GatewayProcess p = new GatewayProcess(new ProcessBuilder(command).redirectErrorStream(true).start(),
                    Collections.synchronizedList(new ArrayList<>()));
            BufferedReader out = new BufferedReader(new InputStreamReader(p.process.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
                p.lines.add(line);
                if (line.matches("aisix \\S+ store .*")) {
                    Thread.ofVirtual().start(() -> {
                        try {
                            for (String more; (more = out.readLine()) != null; ) {
                                p.lines.add(more);
                            }
                        } catch (IOException ignored) {
                            // the process ended
                        }
                    });
                    return p;
                }
            }
            p.close();
            throw new AssertionError("gateway did not start: " + p.lines);
        }

        int port() {
            synchronized (lines) {
                return lines.stream().map(PORT::matcher).filter(Matcher::find)
                        .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** Whether this JVM ignores SIGHUP (bit 1 of SigIgn in /proc/self/status), as its children then do. */
    private static boolean hupIgnored() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("SigIgn:"))
                .anyMatch(l -> (Long.parseLong(l.substring(7).trim(), 16) & 1L) != 0);
    }

    private static void install(TestPki.Pair pair, Path cert, Path key) throws IOException {
        Files.copy(pair.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pair.key(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    private static BigInteger serial(TestPki.Pair pair) {
        return io.aisix.kernel.store.etcd.PemFiles.certificates("cert", pair.cert().toString()).get(0).getSerialNumber();
    }

    private static SSLSocket connect(SSLContext ctx, int port) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static BigInteger peerSerial(SSLSocket s) throws IOException {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** One keep-alive {@code GET /livez} on an open connection; returns the status. */
    private static int livez(SSLSocket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String status = line(in);
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(status.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        if (c == -1 && sb.isEmpty()) {
            throw new IOException("connection closed");
        }
        return sb.toString();
    }

    private static HttpClient client(SSLContext ctx) {
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
