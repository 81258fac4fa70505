package io.aisix.kernel.managed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.store.etcd.PemFiles;
import io.aisix.kernel.store.etcd.TestPki;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test control plane: HTTPS on loopback that requires a client certificate issued by the test
 * CA, records every {@code POST /v1/heartbeat} (body, client certificate subject, User-Agent) and answers
 * {@link #status} (204 unless a test changes it). Public for the distribution's tests of the
 * installed gateway in managed mode.
 */
public final class ControlPlaneStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One heartbeat as received, with the client's {@code User-Agent} ("" when it sent none). */
    public record Beat(JsonNode body, String clientSubject, String userAgent) {
    }

    final LinkedBlockingQueue<Beat> beats = new LinkedBlockingQueue<>();
    volatile int status = 204;
    private final WebServer server;

    public ControlPlaneStub(TestPki.Pair serverCert, TestPki.Pair ca) {
        Tls tls = Tls.builder()
                .privateKey(PemFiles.privateKey("key", serverCert.key().toString()))
                .privateKeyCertChain(PemFiles.certificates("cert", serverCert.cert().toString()))
                .trust(PemFiles.certificates("ca", ca.cert().toString()))
                .clientAuth(TlsClientAuth.REQUIRED)
                .build();
        this.server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).tls(tls)
                .routing(r -> r.post("/v1/heartbeat", (req, res) -> {
                    byte[] body = req.content().as(byte[].class);
                    String subject = req.remotePeer().tlsCertificates()
                            .map(c -> ((X509Certificate) c[0]).getSubjectX500Principal().getName()).orElse("");
                    String agent = req.headers().first(HeaderNames.USER_AGENT).orElse("");
                    try {
                        beats.add(new Beat(JSON.readTree(body), subject, agent));
                    } catch (IOException e) {
                        beats.add(new Beat(JSON.getNodeFactory().textNode(new String(body)), subject, agent));
                    }
                    res.status(Status.create(status)).send();
                }))
                .build().start();
    }

    public String url() {
        return "https://127.0.0.1:" + server.port();
    }

    /** The first heartbeat (discarding earlier ones) that matches, within {@code timeout}. */
    public Beat await(Predicate<Beat> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Beat last = null;
        while (System.nanoTime() < deadline) {
            Beat b = beats.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (b == null) {
                break;
            }
            last = b;
            if (match.test(b)) {
                return b;
            }
        }
        throw new AssertionError("no matching heartbeat within " + timeout + "; last: " + last);
    }

    @Override
    public void close() {
        server.stop();
    }
}
