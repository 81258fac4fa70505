package io.aisix.kernel;

import static io.aisix.kernel.testsupport.RawHttp.ascii;
import static io.aisix.kernel.testsupport.RawHttp.post;
import static io.aisix.kernel.testsupport.RawHttp.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.testsupport.RawHttp;
import io.aisix.kernel.testsupport.TestGateway;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both listeners against hostile and broken clients over raw sockets (issue 18): every malformed
 * request is answered with a JSON envelope and a 4xx (505 for a version other than HTTP/1.1),
 * every stalled one is cut within the configured timeouts (1 s here), no connection is left
 * open, and a stream longer than every timeout still finishes.
 */
@Timeout(120)
class AbuseIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofMillis(1000);
    /** A timeout, the guard's tick and a loaded machine's scheduling. */
    static final Duration BOUND = Duration.ofMillis(4000);
    static final String ADMIN_AUTH = "Authorization: Bearer " + TestGateway.ADMIN_KEY + "\r\n";

    @TempDir
    static Path dir;
    static TestGateway gw;
    static int proxy;
    static int admin;

    @BeforeAll
    static void start() throws Exception {
        String limits = "header_timeout_ms: 1000, body_timeout_ms: 1000, idle_timeout_ms: 1500, max_connections: 1000";
        gw = TestGateway.start(dir, "proxy: { addr: 127.0.0.1:0, request_body_limit_bytes: 65536, " + limits + " }\n"
                + "admin: { addr: 127.0.0.1:0, " + limits + " }\n", null);
        proxy = gw.gateway.proxyPort();
        admin = gw.gateway.adminPort();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void everyCorpusCaseOnTheProxyIsAnsweredOrCutInTime() {
        // the scripted filter answers what gets through (the kernel's tests load no provider plugins)
        corpus(proxy, "/v1/chat/completions", "Authorization: Bearer sk-nobody\r\nx-test-script: answer\r\n", true);
    }

    @Test
    void everyCorpusCaseOnTheAdminListenerIsAnsweredOrCutInTime() {
        corpus(admin, "/admin/v1/provider_keys", ADMIN_AUTH, false);
    }

    private static void corpus(int port, String path, String auth, boolean proxyEnvelope) {
        List<RawHttp.Case> cases = RawHttp.corpus(path, auth);
        List<Thread> threads = new ArrayList<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (RawHttp.Case c : cases) {
            threads.add(Thread.ofVirtual().start(() -> {
                RawHttp.Exchange e = send(port, c.bytes(), BOUND);
                String problem = judge(c, e, proxyEnvelope);
                if (problem != null) {
                    failures.add(c.name() + ": " + problem + " -- " + e);
                }
            }));
        }
        threads.forEach(AbuseIT::join);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertConnectionsDrain();
    }

    /** Null when the exchange is what a hostile client may see; else what is wrong. */
    static String judge(RawHttp.Case c, RawHttp.Exchange e, boolean proxyEnvelope) {
        if (!e.closed()) {
            return "connection still open after " + BOUND.toMillis() + " ms";
        }
        for (int s : e.statuses()) {
            if (s >= 500 && s != 505) {
                return "server error " + s;
            }
        }
        if (c.complete() && e.statuses().isEmpty()) {
            return "no answer";
        }
        if (!e.statuses().isEmpty()) {
            try {
                JsonNode body = JSON.readTree(e.body());
                boolean ok = proxyEnvelope ? body.at("/error/message").isTextual() || body.path("ok").asBoolean()
                        : body.has("error_msg") || body.isArray() || body.isObject() && e.status() < 400;
                if (!ok) {
                    return "not the listener's JSON envelope";
                }
            } catch (IOException ex) {
                return "body is not JSON";
            }
            if (!e.header("x-aisix-request-id", "") && !e.raw().toLowerCase().contains("x-aisix-request-id: ")) {
                return "no x-aisix-request-id";
            }
        }
        return null;
    }

    @Test
    void connectionCloseIsHonoured() {
        RawHttp.Exchange e = send(proxy, ascii("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                BOUND);
        assertEquals(List.of(200), e.statuses(), e.toString());
        assertTrue(e.closed() && e.elapsed().toMillis() < 900, "closed at once, before any timeout: " + e);
    }

    @Test
    void anOversizedBodyIsNeverParsedAsTheNextRequest() {
        byte[] smuggled = ascii("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50));
        byte[] head = ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
        byte[] all = new byte[head.length + smuggled.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(smuggled, 0, all, head.length, smuggled.length);
        RawHttp.Exchange e = send(proxy, all, BOUND);
        assertEquals(List.of(413), e.statuses(), e.toString());
        assertTrue(e.closed(), e.toString());
    }

    @Test
    void chunkedOverTheLimitIs413AndClosed() {
        String chunk = "4000\r\n" + "a".repeat(0x4000) + "\r\n";
        RawHttp.Exchange e = send(proxy, ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk.repeat(6) + "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"), BOUND);
        assertEquals(List.of(413), e.statuses(), e.toString());
        assertTrue(e.closed(), e.toString());
    }

    @Test
    void anInvalidChunkSizeIs400AndClosed() {
        RawHttp.Exchange e = send(proxy, ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"), BOUND);
        assertEquals(List.of(400), e.statuses(), e.toString());
        assertTrue(e.closed() && e.elapsed().toMillis() < 900, "closed at once: " + e);
        assertTrue(e.body().contains("framing"), e.body());
    }

    @Test
    void contentLengthWithTransferEncodingIs400() {
        RawHttp.Exchange e = send(proxy, ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), BOUND);
        assertEquals(List.of(400), e.statuses(), e.toString());
        assertTrue(e.closed(), e.toString());
        assertTrue(e.body().contains("\"invalid_request_error\""), e.body());
    }

    @Test
    void otherVersionsGet505WithABodyAndLongLines414() {
        for (String line : List.of("GET /livez HTTP/1.0", "PRI * HTTP/2.0", "GET /livez HTTP/3.0")) {
            for (int port : List.of(proxy, admin)) {
                RawHttp.Exchange e = send(port, ascii(line + "\r\n\r\n"), BOUND);
                assertEquals(List.of(505), e.statuses(), line + " -> " + e);
                assertTrue(e.body().contains("HTTP/1.1") && e.closed(), e.toString());
            }
        }
        RawHttp.Exchange e = send(proxy, ascii("GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n"), BOUND);
        assertEquals(List.of(414), e.statuses(), e.toString());
        assertTrue(e.body().contains("\"uri_too_long\""), e.body());
    }

    @Test
    void lowerCaseMethodsAreRefused() throws Exception {
        byte[] req = post("/v1/chat/completions", "", ascii("{}"));
        System.arraycopy(ascii("post"), 0, req, 0, 4);
        RawHttp.Exchange first = send(proxy, req, BOUND);
        assertEquals(List.of(400), first.statuses(), first.toString());
        // the same on a kept-alive connection, after a first good request
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy));
            OutputStream out = s.getOutputStream();
            out.write(ascii("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
            out.flush();
            Thread.sleep(200);
            out.write(req);
            out.flush();
            RawHttp.Exchange e = RawHttp.read(s, System.nanoTime(), BOUND);
            assertTrue(e.raw().contains("upper-case"), e.toString());
            assertEquals(List.of(200, 400), e.statuses(), e.toString());
        }
    }

    @Test
    void adminUnknownPathsAnswerJsonNotPlainText() throws Exception {
        RawHttp.Exchange e = send(admin, ascii("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), BOUND);
        assertEquals(List.of(404), e.statuses(), e.toString());
        assertTrue(e.header("content-type", "application/json"), e.toString());
        assertTrue(JSON.readTree(e.body()).get("error_msg").asText().contains("/nowhere"), e.body());
    }

    @Test
    void badBodiesAre400NamingTheFieldBeforeAnythingRuns() throws Exception {
        String[][] cases = {
                {"{\"model\":\"m\",\"messages\":\"hi\"}", "messages"},
                {"{\"model\":\"m\",\"messages\":null}", "messages"},
                {"{\"model\":\"m\",\"messages\":{}}", "messages"},
                {"{\"model\":7}", "model"},
                {"{\"model\":\"m\",\"max_tokens\":-1}", "max_tokens"},
                {"{\"model\":\"m\",\"max_tokens\":1e30}", "max_tokens"},
                {"{\"model\":\"m\",\"stream\":\"yes\"}", "stream"},
                {"{\"model\":\"m\",\"n\":0}", "n"},
                {"{\"model\":\"m\",\"tools\":\"all\"}", "tools"},
        };
        for (String[] c : cases) {
            // the scripted filter would answer 200: a 400 proves the validator ran before the chain
            RawHttp.Exchange e = send(proxy, post("/v1/chat/completions", "x-test-script: answer\r\nConnection: close\r\n",
                    ascii(c[0])), BOUND);
            assertEquals(List.of(400), e.statuses(), c[0] + " -> " + e);
            assertEquals(c[1], JSON.readTree(e.body()).at("/error/param").asText(), e.body());
        }
        RawHttp.Exchange ok = send(proxy, post("/v1/chat/completions", "x-test-script: answer\r\nConnection: close\r\n",
                ascii("{\"model\":\"m\",\"messages\":[],\"unknown_field\":{\"deep\":[1,2]},\"max_tokens\":5}")), BOUND);
        assertEquals(List.of(200), ok.statuses(), ok.toString());
    }

    @Test
    void slowlorisConnectionsAreCutAndTheListenerKeepsServing() throws Exception {
        int n = 300;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", i % 2 == 0 ? proxy : admin));
                s.getOutputStream().write(ascii("GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: "));
                sockets.add(s);
            }
            // the listeners answer others while the half-sent connections are held
            RawHttp.Exchange live = send(proxy, ascii("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                    BOUND);
            assertEquals(List.of(200), live.statuses(), live.toString());
            long start = System.nanoTime();
            int cut = 0;
            for (Socket s : sockets) {
                // one more byte per connection keeps nothing alive: the deadline counts from the start
                try {
                    s.getOutputStream().write('a');
                } catch (IOException ignored) {
                    // already cut
                }
                RawHttp.Exchange e = RawHttp.read(s, start, BOUND.plus(TIMEOUT));
                if (e.closed()) {
                    cut++;
                }
            }
            assertEquals(n, cut, "every half-sent connection was cut");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertConnectionsDrain();
    }

    @Test
    void aStreamLongerThanEveryTimeoutFinishes() {
        // 6 events 400 ms apart: 2.4 s, past the header, body and idle timeouts
        RawHttp.Exchange e = send(proxy, post("/v1/chat/completions", "x-test-script: stream:6:400\r\n", ascii("{}")),
                Duration.ofSeconds(8));
        assertEquals(List.of(200), e.statuses(), e.toString());
        assertTrue(e.raw().contains("data: {\"n\":5}") && e.raw().contains("data: [DONE]"), e.toString());
    }

    @Test
    void aPeerClosingBeforeARequestLineIsAQuietClose() throws Exception {
        // a load balancer's TCP check or a client giving up: Helidon logged each such connection as an
        // "unexpected exception" warning with a stack trace when the guard's first-line read met the end
        Logger helidon = Logger.getLogger("io.helidon.webserver");
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r.getLoggerName() + ": " + r.getMessage() + " " + r.getThrown());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        helidon.addHandler(capture);
        try {
            for (String partial : List.of("", "POST /v1/chat/compl")) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", proxy), (int) BOUND.toMillis());
                    OutputStream out = s.getOutputStream();
                    out.write(ascii(partial));
                    out.flush();
                }
            }
            RawHttp.Exchange e = send(proxy, ascii("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                    BOUND);
            assertEquals(List.of(200), e.statuses(), "the listener still serves: " + e);
            assertConnectionsDrain();
            sleep(300); // the connection's thread logs, if it does, right after it leaves the guard
            assertTrue(warnings.stream().noneMatch(w -> w.contains("unexpected exception")), warnings.toString());
        } finally {
            helidon.removeHandler(capture);
        }
    }

    @Test
    void keepAliveConnectionsCloseWhenIdle() {
        RawHttp.Exchange e = send(proxy, ascii("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"), Duration.ofSeconds(6));
        assertEquals(List.of(200), e.statuses(), e.toString());
        assertTrue(e.closed(), "closed by the idle timeout: " + e);
    }

    /** No connection the tests opened stays open on either listener. */
    static void assertConnectionsDrain() {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (gw.gateway.openConnections("proxy") + gw.gateway.openConnections("admin") > 0
                && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertEquals(0, gw.gateway.openConnections("proxy") + gw.gateway.openConnections("admin"),
                "connections left open");
    }

    static void join(Thread t) {
        try {
            t.join(BOUND.toMillis() * 3);
            assertFalse(t.isAlive(), "a case hung");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
