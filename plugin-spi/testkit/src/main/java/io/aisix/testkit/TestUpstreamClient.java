package io.aisix.testkit;

import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.provider.UpstreamTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * An {@link UpstreamClient} on the JDK {@link HttpClient}, for plugin unit tests.
 *
 * <ul>
 *   <li>{@code readTimeout} bounds the wait for the response head and then every single body read
 *       (an idle timeout), for streams and whole answers alike; {@link Duration#ZERO} means the
 *       test default of 30 s, {@link UpstreamRequest#NO_TIMEOUT} an hour.</li>
 *   <li>Connection failures throw {@code UPSTREAM_ERROR}; a timeout before the response head
 *       throws {@code TIMEOUT}. A body read that times out throws a
 *       {@link SocketTimeoutException} (an {@link IOException}), after aborting the body.</li>
 *   <li>Closing the {@link UpstreamResponse} before the end aborts the body and closes the
 *       connection at once: the upstream sees its client go away. (Streams run on an HTTP client
 *       of their own, shut down on close, because the JDK client otherwise closes an abandoned
 *       connection only when its selector thread next wakes up.)</li>
 *   <li>{@code caPem} and {@code verifyTls} are honoured (one HTTP client per TLS setting).</li>
 * </ul>
 *
 * Every request sent is kept in {@link #sent()} for assertions.
 */
public final class TestUpstreamClient implements UpstreamClient, AutoCloseable {
    /** The read timeout used when a request asks for the kernel default ({@link Duration#ZERO}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration UNBOUNDED = Duration.ofHours(1);
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final Duration defaultTimeout;
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    private final List<UpstreamRequest> sent = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService watchdog;

    public TestUpstreamClient() {
        this(DEFAULT_TIMEOUT);
    }

    /** A client whose default read timeout (for {@link Duration#ZERO}) is {@code defaultTimeout}. */
    public TestUpstreamClient(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "test-upstream-watchdog");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.watchdog = ex;
    }

    /** Requests sent so far, oldest first. */
    public List<UpstreamRequest> sent() {
        return List.copyOf(sent);
    }

    public UpstreamRequest lastSent() {
        if (sent.isEmpty()) {
            throw new AssertionError("no upstream request was sent");
        }
        return sent.get(sent.size() - 1);
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        sent.add(request);
        Duration timeout = request.readTimeout().isZero() ? defaultTimeout
                : request.readTimeout().equals(UpstreamRequest.NO_TIMEOUT) ? UNBOUNDED : request.readTimeout();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(request.url())).timeout(timeout);
        request.headers().forEach((name, value) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                b.header(name, value);
            }
        });
        HttpRequest.BodyPublisher body = request.streamBody().isPresent() ? streamed(request.streamBody().get())
                : request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        b.method(request.method(), body);
        // A stream gets an HTTP client of its own, shut down when the response is closed: the JDK
        // client defers closing a selector-registered connection until its selector thread wakes
        // up (seconds, when idle), so closing the body alone would not cancel the upstream promptly.
        HttpClient client = request.stream() ? newClient(request) : client(request);
        HttpClient owned = request.stream() ? client : null;
        HttpResponse<InputStream> response;
        try {
            response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            shutdown(owned);
            throw new GatewayException(ErrorCode.TIMEOUT, "upstream connect timed out", e);
        } catch (HttpTimeoutException e) {
            shutdown(owned);
            throw new GatewayException(ErrorCode.TIMEOUT,
                    "upstream request timed out after " + timeout.toMillis() + "ms", e);
        } catch (ConnectException e) {
            shutdown(owned);
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream connection failed", e);
        } catch (IOException e) {
            shutdown(owned);
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream transport error", e);
        } catch (InterruptedException e) {
            shutdown(owned);
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "interrupted while calling the upstream", e);
        }
        Headers.Builder hb = Headers.builder();
        response.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                values.forEach(v -> hb.add(name, v));
            }
        });
        return new Resp(response.statusCode(), hb.build(),
                new IdleTimeoutInputStream(response.body(), timeout, watchdog), owned);
    }

    private HttpClient client(UpstreamRequest request) {
        String key = request.verifyTls() + "|" + request.caPem().orElse("");
        return clients.computeIfAbsent(key, k -> newClient(request));
    }

    private static HttpClient newClient(UpstreamRequest request) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (!request.verifyTls() || request.caPem().isPresent()) {
            b.sslContext(sslContext(request.verifyTls(), request.caPem().orElse(null)));
        }
        return b.build();
    }

    private static void shutdown(HttpClient owned) {
        if (owned != null) {
            owned.shutdownNow();
        }
    }

    private static SSLContext sslContext(boolean verify, String caPem) {
        try {
            return UpstreamTls.context(caPem == null ? "" : caPem, verify);
        } catch (Exception e) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "invalid upstream TLS settings", e);
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        clients.values().forEach(HttpClient::shutdownNow);
    }

    private record Resp(int status, Headers headers, IdleTimeoutInputStream body, HttpClient owned)
            implements UpstreamResponse {
        @Override
        public byte[] readAll() {
            try {
                return body.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                close();
            }
        }

        @Override
        public void close() {
            body.abort();
            shutdown(owned);
        }
    }

    /**
     * Bounds each read by the idle timeout: a watchdog closes the underlying stream when a read
     * waits too long, which unblocks the reader; the read then fails with a
     * {@link SocketTimeoutException}.
     */
    static final class IdleTimeoutInputStream extends InputStream {
        private final InputStream in;
        private final long timeoutNanos;
        private final ScheduledExecutorService watchdog;
        private volatile boolean timedOut;
        private volatile boolean closed;

        IdleTimeoutInputStream(InputStream in, Duration timeout, ScheduledExecutorService watchdog) {
            this.in = in;
            this.timeoutNanos = timeout.toNanos();
            this.watchdog = watchdog;
        }

        private ScheduledFuture<?> arm() {
            return watchdog.schedule(() -> {
                timedOut = true;
                abort();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }

        private IOException failure(IOException e) {
            if (timedOut) {
                SocketTimeoutException t = new SocketTimeoutException(
                        "upstream read timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms");
                t.initCause(e);
                return t;
            }
            return e;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (timedOut) {
                throw failure(new IOException("closed"));
            }
            ScheduledFuture<?> f = arm();
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw failure(e);
            } finally {
                f.cancel(false);
            }
        }

        @Override
        public int available() throws IOException {
            return closed ? 0 : in.available();
        }

        /** Aborts the body; an unfinished HTTP/1.1 exchange closes its connection. */
        void abort() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                in.close();
            } catch (IOException ignored) {
                // already gone
            }
        }

        @Override
        public void close() {
            abort();
        }
    }

    /** A stream body, written by its producer into a pipe the JDK client reads from. */
    private static HttpRequest.BodyPublisher streamed(io.aisix.spi.provider.StreamBody body) {
        java.util.function.Supplier<java.io.InputStream> supplier = () -> {
            try {
                java.io.PipedInputStream in = new java.io.PipedInputStream(64 * 1024);
                java.io.PipedOutputStream out = new java.io.PipedOutputStream(in);
                Thread.ofVirtual().start(() -> {
                    try (out) {
                        body.writeTo(out);
                    } catch (java.io.IOException | RuntimeException ignored) {
                        // the upstream sees a short body
                    }
                });
                return in;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        HttpRequest.BodyPublisher p = HttpRequest.BodyPublishers.ofInputStream(supplier);
        return body.length() >= 0 ? HttpRequest.BodyPublishers.fromPublisher(p, body.length()) : p;
    }
}
