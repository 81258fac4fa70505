package io.aisix.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aisix.spi.Headers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain HTTP receiver on a random loopback port for tests of outbound calls that are not LLM
 * traffic (exporters, webhooks): it records every request and answers {@code 200 {}} unless a
 * route says otherwise. For an LLM upstream use {@link MockUpstream}.
 *
 * <p>Routes match by path prefix, the longest first (as {@link HttpServer} contexts do); each
 * request runs on its own virtual thread, so a handler may block (to test timeouts) without
 * holding up other requests. A request is recorded before its handler runs.
 *
 * <pre>{@code
 * try (LoopbackHttpServer hook = LoopbackHttpServer.start()) {
 *     hook.answer("/judge", 200, "{\"flagged\":true}");
 *     ... call hook.url("/judge") ...
 *     RecordedRequest r = hook.nextRequest(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class LoopbackHttpServer implements AutoCloseable {
    /** An answer: status, {@code content-type} and body. */
    public record Reply(int status, String contentType, byte[] body) {
        public Reply {
            Objects.requireNonNull(contentType, "contentType");
            body = body.clone();
        }

        /** A JSON answer. */
        public static Reply json(int status, String body) {
            return new Reply(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Answers one recorded request; may block. */
    @FunctionalInterface
    public interface Handler {
        Reply handle(RecordedRequest request) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final BlockingQueue<RecordedRequest> unread = new LinkedBlockingQueue<>();

    private LoopbackHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        route("/", req -> Reply.json(200, "{}"));
        server.start();
    }

    /** Starts a receiver on a random loopback port. */
    public static LoopbackHttpServer start() {
        try {
            return new LoopbackHttpServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers requests under {@code path} with the handler (replacing an earlier route of that path). */
    public LoopbackHttpServer route(String path, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        try {
            server.removeContext(path);
        } catch (IllegalArgumentException none) {
            // no route there yet
        }
        server.createContext(path, ex -> serve(ex, handler));
        return this;
    }

    /** Answers requests under {@code path} with this status and JSON body. */
    public LoopbackHttpServer answer(String path, int status, String jsonBody) {
        Reply reply = Reply.json(status, jsonBody);
        return route(path, req -> reply);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * A loopback port nothing listens on (bound and released just now), for a URL whose
     * connection must fail.
     */
    public static int unusedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Every request received so far, oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** Whether some request body contained this text. */
    public boolean received(String text) {
        return requests.stream().anyMatch(r -> r.bodyText().contains(text));
    }

    /** The first request whose body contains this text. */
    public RecordedRequest requestWith(String text) {
        return requests.stream().filter(r -> r.bodyText().contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no request with " + text));
    }

    /**
     * The oldest request not yet returned by this method, waiting up to {@code timeout} for one.
     *
     * @throws AssertionError when none arrived in time
     */
    public RecordedRequest nextRequest(Duration timeout) throws InterruptedException {
        RecordedRequest r = unread.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (r == null) {
            throw new AssertionError("no request within " + timeout);
        }
        return r;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void serve(HttpExchange ex, Handler handler) throws IOException {
        try (ex) {
            RecordedRequest rec = record(ex);
            requests.add(rec);
            unread.add(rec);
            Reply reply;
            try {
                reply = handler.handle(rec);
            } catch (Exception e) {
                reply = Reply.json(500, "{\"error\":\"test handler failed\"}");
            }
            ex.getResponseHeaders().set("Content-Type", reply.contentType());
            byte[] body = reply.body();
            ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                ex.getResponseBody().write(body);
            }
        }
    }

    private static RecordedRequest record(HttpExchange ex) throws IOException {
        Headers.Builder h = Headers.builder();
        ex.getRequestHeaders().forEach((name, values) -> values.forEach(v -> h.add(name, v)));
        String rawQuery = ex.getRequestURI().getRawQuery();
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        query.replaceAll((k, v) -> List.copyOf(v));
        return new RecordedRequest(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                rawQuery == null ? "" : rawQuery, Map.copyOf(query), h.build(), ex.getRequestBody().readAllBytes());
    }
}
