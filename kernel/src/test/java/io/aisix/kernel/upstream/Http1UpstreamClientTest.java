package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upstream client against a raw-socket HTTP/1.1 server whose every answer a test writes byte
 * by byte: framing (length, chunked, to the end of the connection), pooling and its limits, a
 * stale pooled connection, aborts, timeouts, and the malformed answers an upstream may send.
 */
@Timeout(30)
class Http1UpstreamClientTest {
    private static final byte[] BODY = "{\"id\":\"x\",\"object\":\"chat.completion\"}".getBytes(StandardCharsets.UTF_8);

    /** Answers one request on a connection; returns false to close the connection afterwards. */
    interface Responder {
        boolean answer(Request request, OutputStream out) throws Exception;
    }

    record Request(List<String> head, byte[] body) {
        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return head.stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).trim()).findFirst().orElse(null);
        }
    }

    private ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch serverSawEof = new CountDownLatch(1);
    private volatile Responder responder = (r, out) -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length + "\r\n\r\n", BODY);
        return true;
    };
    private Http1UpstreamClient client;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofPlatform().daemon().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        client = new Http1UpstreamClient(new GatewayConfig.Upstream(2000L, 5000L, 5000L, 0));
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                List<String> head = new java.util.ArrayList<>();
                for (String line; !(line = readLine(in)).isEmpty(); ) {
                    head.add(line);
                }
                if (head.isEmpty()) {
                    serverSawEof.countDown();
                    return;
                }
                Request r = new Request(head, new byte[0]);
                String length = r.header("content-length");
                r = new Request(head, in.readNBytes(length == null ? 0 : Integer.parseInt(length)));
                requests.add(r);
                if (!responder.answer(r, out)) {
                    return;
                }
            }
        } catch (Exception e) {
            serverSawEof.countDown(); // reset by the client
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static void write(OutputStream out, String head, byte[] body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(head.getBytes(StandardCharsets.ISO_8859_1));
        b.write(body);
        out.write(b.toByteArray());
        out.flush();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private UpstreamRequest post(Headers headers, Duration readTimeout) {
        return new UpstreamRequest("POST", url("/v1/chat/completions"), headers,
                "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8), false, readTimeout, Optional.empty(), true);
    }

    private byte[] call() {
        try (UpstreamResponse res = client.send(post(Headers.of("content-type", "application/json"), Duration.ZERO))) {
            assertEquals(200, res.status());
            return res.readAll();
        }
    }

    @Test
    void requestHeadCarriesTheTargetHostLengthAndThePluginsHeaders() {
        UpstreamRequest r = new UpstreamRequest("POST", url("/v1/chat/completions?api-version=2024-10-21"),
                Headers.of("authorization", "Bearer sk-1", "content-length", "999", "connection", "close"),
                "{\"a\":1}".getBytes(StandardCharsets.UTF_8), false, Duration.ZERO, Optional.empty(), true);
        try (UpstreamResponse res = client.send(r)) {
            assertArrayEquals(BODY, res.readAll());
        }
        Request seen = requests.get(0);
        assertEquals("POST /v1/chat/completions?api-version=2024-10-21 HTTP/1.1", seen.head().get(0));
        assertEquals("127.0.0.1:" + server.getLocalPort(), seen.header("host"));
        assertEquals("Bearer sk-1", seen.header("authorization"));
        assertEquals("7", seen.header("content-length"), "the client owns the framing");
        assertEquals(null, seen.header("connection"));
        assertEquals("{\"a\":1}", new String(seen.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aHeaderValueThatWouldSplitTheHeadIsRefusedBeforeConnecting() {
        GatewayException e = assertThrows(GatewayException.class,
                () -> client.send(post(Headers.of("x-evil", "a\r\nx-injected: 1"), Duration.ZERO)));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        for (String name : new String[] {"x evil", "x:evil", "x-évil", "x\u0000", "x(1)", "x@y"}) {
            assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class,
                    () -> client.send(post(Headers.of(name, "v"), Duration.ZERO))).code(), name);
        }
        for (String value : new String[] {"a\u0000b", "snow\u2603man"}) {
            assertEquals(ErrorCode.UPSTREAM_ERROR, assertThrows(GatewayException.class,
                    () -> client.send(post(Headers.of("x-v", value), Duration.ZERO))).code(), value);
        }
        assertEquals(0, connections.get());
    }

    @Test
    void answersWithContentLengthReuseOneConnection() {
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(BODY, call());
        }
        assertEquals(1, connections.get());
    }

    @Test
    void chunkedAnswersReuseOneConnection() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(10) + ";ext=1\r\n", java.util.Arrays.copyOf(BODY, 10));
            write(out, "\r\n" + Integer.toHexString(BODY.length - 10) + "\r\n",
                    java.util.Arrays.copyOfRange(BODY, 10, BODY.length));
            write(out, "\r\n0\r\nx-trailer: t\r\n\r\n", new byte[0]);
            return true;
        };
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(BODY, call());
        }
        assertEquals(1, connections.get());
    }

    @Test
    void aStreamedChunkIsReadableBeforeTheNextOneIsSent() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "6\r\ndata:1", new byte[0]);
            assertTrue(firstRead.await(10, TimeUnit.SECONDS), "the client read the first event");
            write(out, "\r\n6\r\ndata:2\r\n0\r\n\r\n", new byte[0]);
            return true;
        };
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO))) {
            byte[] b = new byte[100];
            int n = res.body().read(b, 0, b.length);
            assertEquals("data:1", new String(b, 0, n, StandardCharsets.US_ASCII));
            firstRead.countDown();
            assertEquals("data:2", new String(res.body().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void anAnswerEndingWithTheConnectionIsReadWholeAndTheConnectionNotReused() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", BODY);
            return false;
        };
        assertArrayEquals(BODY, call());
        assertArrayEquals(BODY, call());
        assertEquals(2, connections.get());
    }

    @Test
    void connectionCloseFromTheUpstreamIsHonoured() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " + BODY.length + "\r\n\r\n", BODY);
            return false;
        };
        assertArrayEquals(BODY, call());
        assertArrayEquals(BODY, call());
        assertEquals(2, connections.get());
    }

    @Test
    void aPooledConnectionTheUpstreamClosedIsReplacedOnce() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length + "\r\n\r\n", BODY);
            return false; // closes without saying so: the client pools a dead connection
        };
        assertArrayEquals(BODY, call());
        assertArrayEquals(BODY, call(), "sent again on a new connection");
        assertEquals(2, connections.get());
        assertEquals(2, requests.size(), "the upstream saw each request once");
    }

    @Test
    void closingAnAnswerBeforeItsEndClosesTheUpstreamConnection() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata:1\r\n", new byte[0]);
            never.await(20, TimeUnit.SECONDS);
            return true; // back to reading: the next thing on this connection is its end
        };
        UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO));
        assertEquals(6, res.body().read(new byte[100], 0, 100));
        res.close();
        never.countDown(); // the server thread goes back to reading: it must see the end of the stream
        assertTrue(serverSawEof.await(10, TimeUnit.SECONDS), "the upstream saw its client go away");
        assertEquals(-1, res.body().read(new byte[10], 0, 10));
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(2, connections.get(), "an aborted connection is never reused");
    }

    /** A stream reader stops at its last event; the terminating chunk arrives with it, or just after. */
    private UpstreamResponse readTwoEventsOf(String afterEvents, CountDownLatch restWritten) throws Exception {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "6\r\ndata:1\r\n6\r\ndata:2", new byte[0]);
            write(out, afterEvents, new byte[0]);
            restWritten.countDown();
            return true;
        };
        UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO));
        byte[] events = res.body().readNBytes(12);
        assertEquals("data:1data:2", new String(events, StandardCharsets.US_ASCII));
        assertTrue(restWritten.await(10, TimeUnit.SECONDS));
        return res;
    }

    @Test
    void closingAStreamWhoseEndHasArrivedReusesTheConnection() throws Exception {
        for (String rest : List.of("\r\n0\r\n\r\n", "\r\n0\r\nx-trailer: t\r\n\r\n", "\r\n4\r\n\n\n\n\n\r\n0;x=y\r\n\r\n")) {
            CountDownLatch written = new CountDownLatch(1);
            UpstreamResponse res = readTwoEventsOf(rest, written);
            Thread.sleep(50); // loopback: what was written is in the socket by now
            res.close();
            assertEquals(-1, res.body().read(new byte[10], 0, 10));
        }
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(1, connections.get(), "one connection for three streams and an answer");
    }

    @Test
    void closingAStreamWhoseEndHasNotArrivedOrIsFollowedByMoreBytesClosesTheConnection() throws Exception {
        for (String rest : List.of("\r\n", "\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", "\r\nzz\r\n")) {
            UpstreamResponse res = readTwoEventsOf(rest, new CountDownLatch(1));
            Thread.sleep(50);
            res.close();
        }
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(4, connections.get());
    }

    @Test
    void anEndThatArrivesAfterTheCloseIsAwaitedAndTheConnectionReused() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata:1", new byte[0]);
            assertTrue(closed.await(10, TimeUnit.SECONDS));
            Thread.sleep(20); // the handler returns a moment later, and the server ends the body
            write(out, "\r\n0\r\n\r\n", new byte[0]);
            return true;
        };
        UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO));
        assertEquals("data:1", new String(res.body().readNBytes(6), StandardCharsets.US_ASCII));
        res.close();
        closed.countDown();
        for (int i = 0; i < 500 && client.idleConnections() == 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(1, client.idleConnections(), "back in the pool once its end came");
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(1, connections.get());
    }

    @Test
    void aConnectionClosedBeforeItsReleaseNeverReachesThePool() throws Exception {
        // what the watchdog does to a read it saw overdue as that read returned with the answer's end
        try (Socket tcp = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            Http1Connection c = new Http1Connection(client,
                    new Http1UpstreamClient.Route("127.0.0.1", server.getLocalPort(), null, false, null), tcp, tcp);
            c.close();
            client.release(c);
        }
        assertEquals(0, client.idleConnections());
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(2, connections.get(), "the closed one and a new one");
    }

    @Test
    void theWatchdogLetsGoOfAConnectionWhenItCloses() throws Exception {
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(1, client.watchedConnections(), "pooled: still open");
        client.close();
        assertEquals(0, client.watchedConnections(), "closed with the pool");
    }

    @Test
    void anAnswerNobodyClosesLeavesItsConnectionCollectable() throws Exception {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length + "\r\n\r\n", BODY);
            return true;
        };
        client.send(post(Headers.empty(), Duration.ZERO)); // a plugin that drops the answer unread
        assertEquals(1, client.watchedConnections());
        for (int i = 0; i < 200 && client.watchedConnections() > 0; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(0, client.watchedConnections(), "the watchdog holds connections weakly");
    }

    @Test
    void anUpstreamStillSendingAfterTheCloseLosesItsConnection() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        AtomicInteger sentAfterClose = new AtomicInteger();
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata:1", new byte[0]);
            assertTrue(closed.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 100; i++) { // the caller went away mid-stream; the upstream goes on
                write(out, "\r\n40\r\n" + "x".repeat(0x40), new byte[0]);
                sentAfterClose.incrementAndGet();
                Thread.sleep(5);
            }
            return true;
        };
        UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO));
        assertEquals(6, res.body().readNBytes(6).length);
        res.close();
        closed.countDown();
        assertTrue(serverSawEof.await(10, TimeUnit.SECONDS), "the upstream saw its client go away");
        assertTrue(sentAfterClose.get() < 50, "cut off after about a KiB, not read to its end: " + sentAfterClose);
        assertEquals(0, client.idleConnections());
    }

    @Test
    void closingAStreamFromAnotherThreadNeverReusesTheConnection() throws Exception {
        UpstreamResponse res = readTwoEventsOf("\r\n0\r\n\r\n", new CountDownLatch(1));
        Thread.sleep(50);
        Thread.ofPlatform().start(res::close).join();
        assertArrayEquals(BODY, callWithDefaultResponder());
        assertEquals(2, connections.get(), "a close that may race a read does not hand the connection on");
    }

    private byte[] callWithDefaultResponder() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length + "\r\n\r\n", BODY);
            return true;
        };
        return call();
    }

    @Test
    void noAnswerWithinTheReadTimeoutIsTimeout() {
        CountDownLatch release = new CountDownLatch(1);
        responder = (r, out) -> {
            release.await(20, TimeUnit.SECONDS);
            return false;
        };
        GatewayException e = assertThrows(GatewayException.class,
                () -> client.send(post(Headers.empty(), Duration.ofMillis(200))));
        release.countDown();
        assertEquals(ErrorCode.TIMEOUT, e.code());
    }

    @Test
    void aReadThatStartsWhileTheWatchdogDozesStillTimesOut() throws Exception {
        awaitDozing(client);
        noAnswerWithinTheReadTimeoutIsTimeout();
        assertFalse(client.dozing(), "the read woke the watchdog");
    }

    @Test
    void aDozingWatchdogStillClosesConnectionsIdleTooLong() throws Exception {
        GatewayConfig.Upstream oneSecondIdle = new GatewayConfig.Upstream(2000L, 5000L, 5000L, null, 0, 1L, null,
                null, null, null, null, null, null, null, null);
        try (Http1UpstreamClient c = new Http1UpstreamClient(oneSecondIdle)) {
            try (UpstreamResponse res = c.send(post(Headers.empty(), Duration.ZERO))) {
                assertArrayEquals(BODY, res.readAll());
            }
            awaitDozing(c);
            assertTrue(serverSawEof.await(20, TimeUnit.SECONDS), "the pooled connection was closed while dozing");
        }
    }

    /** Waits until the watchdog, with no read for a second, sleeps until the next one. */
    private static void awaitDozing(Http1UpstreamClient c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.dozing()) {
            assertTrue(System.nanoTime() < deadline, "the watchdog of an idle client dozes");
            Thread.sleep(20);
        }
    }

    @Test
    void aBodyThatStopsForLongerThanTheReadTimeoutIsTimeout() {
        CountDownLatch release = new CountDownLatch(1);
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "{\"partial\":".getBytes(StandardCharsets.US_ASCII));
            release.await(20, TimeUnit.SECONDS);
            return false;
        };
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ofMillis(200)))) {
            GatewayException e = assertThrows(GatewayException.class, res::readAll);
            assertEquals(ErrorCode.TIMEOUT, e.code());
        } finally {
            release.countDown();
        }
    }

    /** Answers at once, then sends the body one byte every 100 ms (a stream that keeps trickling). */
    private void trickle(int bytes) {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + bytes + "\r\n\r\n", new byte[0]);
            for (int i = 0; i < bytes; i++) {
                Thread.sleep(100);
                out.write('x');
                out.flush();
            }
            return true;
        };
    }

    @Test
    void aWholeAnswerHasADeadlineAStreamOnlyAGapBound() {
        trickle(10); // about a second in all, never more than 100 ms between two bytes
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ofMillis(500)))) {
            GatewayException e = assertThrows(GatewayException.class, res::readAll,
                    "a non-streaming exchange must be over within its timeout, however steadily bytes arrive");
            assertEquals(ErrorCode.TIMEOUT, e.code());
        }
        UpstreamRequest stream = new UpstreamRequest("POST", url("/v1/chat/completions"), Headers.empty(), new byte[0],
                true, Duration.ofMillis(500), Optional.empty(), true);
        try (UpstreamResponse res = client.send(stream)) {
            assertEquals(10, res.readAll().length, "each read of a stream waits at most 500 ms; the whole is unbounded");
        }
    }

    @Test
    void noTimeoutAndZeroDefaultsWaitForASlowAnswer() {
        responder = (r, out) -> {
            Thread.sleep(700);
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length + "\r\n\r\n", BODY);
            return true;
        };
        try (Http1UpstreamClient strict = new Http1UpstreamClient(new GatewayConfig.Upstream(2000L, 300L, 300L, 0))) {
            assertEquals(ErrorCode.TIMEOUT, assertThrows(GatewayException.class,
                    () -> strict.send(post(Headers.empty(), Duration.ZERO))).code(), "the 300 ms default applies");
            try (UpstreamResponse res = strict.send(post(Headers.empty(), UpstreamRequest.NO_TIMEOUT))) {
                assertArrayEquals(BODY, res.readAll(), "a model's timeout: 0 opts out of the default");
            }
        }
        try (Http1UpstreamClient none = new Http1UpstreamClient(new GatewayConfig.Upstream(0L, 0L, 0L, 0));
             UpstreamResponse res = none.send(post(Headers.empty(), Duration.ZERO))) {
            assertArrayEquals(BODY, res.readAll(), "upstream.timeout_ms: 0 is no deadline");
        }
    }

    @Test
    void aTruncatedBodyIsAnUpstreamError() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "{\"partial\":".getBytes(StandardCharsets.US_ASCII));
            return false;
        };
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO))) {
            GatewayException e = assertThrows(GatewayException.class, res::readAll);
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        }
    }

    @Test
    void malformedAnswerHeadsAreUpstreamErrors() {
        for (String head : List.of("SMTP ready\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n")) {
            responder = (r, out) -> {
                write(out, head, new byte[0]);
                return false;
            };
            GatewayException e = assertThrows(GatewayException.class, () -> client.send(post(Headers.empty(), Duration.ZERO)),
                    head.substring(0, Math.min(40, head.length())));
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        }
    }

    @Test
    void aRefusedConnectionIsAnUpstreamError() {
        int port = LocalProcesses.freePort(); // nothing listens there
        UpstreamRequest r = UpstreamRequest.postJson("http://127.0.0.1:" + port + "/v1", Headers.empty(), new byte[0], false);
        GatewayException e = assertThrows(GatewayException.class, () -> client.send(r));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertFalse(e.getMessage().contains(String.valueOf(port)), "no upstream detail in the message");
    }

    @Test
    void interimAnswersAreSkippedAndGzipIsDecoded() {
        responder = (r, out) -> {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(z)) {
                gz.write(BODY);
            }
            write(out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                    + z.size() + "\r\n\r\n", z.toByteArray());
            return true;
        };
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO))) {
            assertEquals(200, res.status());
            assertFalse(res.headers().contains("content-encoding"));
            assertArrayEquals(BODY, res.readAll());
        }
        assertArrayEquals(BODY, call());
        assertEquals(1, connections.get(), "a decoded answer read to its end frees its connection too");
    }

    @Test
    void headAndNoContentAnswersHaveNoBody() {
        responder = (r, out) -> {
            write(out, "HTTP/1.1 204 No Content\r\n\r\n", new byte[0]);
            return true;
        };
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO))) {
            assertEquals(204, res.status());
            assertEquals(0, res.readAll().length);
        }
        try (UpstreamResponse res = client.send(post(Headers.empty(), Duration.ZERO))) {
            assertEquals(204, res.status());
        }
        assertEquals(1, connections.get());
    }
}
