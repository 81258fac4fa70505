package io.aisix.kernel.http;

import io.aisix.kernel.config.UrlRewrites;
import io.aisix.kernel.logging.LogContext;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.support.MultipartUpload;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one Helidon handler behind every {@code /v1/*} path: wraps the request in a
 * {@link KernelExchange}, runs the chain of the current {@link GatewayState}, and writes the answer:
 * full bodies at once, event streams event by event with a flush after each. Errors become the
 * endpoint's envelope before the first byte and an {@code event: error} frame after it.
 *
 * <p>Requests answered before the chain runs (unknown path, wrong method, no configuration yet, a
 * body that is too large or unreadable) are counted here in {@code aisix_requests_total}, with
 * route {@value #UNMATCHED} for unknown paths and model and provider {@value #UNKNOWN}; every
 * other request is counted by the observe plugin when it completes.
 */
public final class ProxyHandler implements Handler {
    private static final Logger LOG = Logger.getLogger(ProxyHandler.class.getName());
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EOL = "\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-aisix-request-id");
    private static final Headers CLOSE = Headers.of("connection", "close");
    private static final int MAX_HEADER_NAMES = 1024;
    private static final Map<String, HeaderName> HEADER_NAMES = new ConcurrentHashMap<>();
    private static final ResponseField EVENT_STREAM = new ResponseField(HeaderNames.CONTENT_TYPE, "text/event-stream");
    private static final ResponseField NO_CACHE = new ResponseField(HeaderNames.CACHE_CONTROL, "no-cache");
    private static final ResponseField JSON = new ResponseField(HeaderNames.CONTENT_TYPE, "application/json");

    static final String UNMATCHED = "unmatched";
    static final String UNKNOWN = "unknown";

    private final SnapshotManager snapshots;
    private final Lifecycle lifecycle;
    /** The largest body a byte array holds: what "no cap" ({@code request_body_limit_bytes: 0}) comes to. */
    static final long NO_BODY_LIMIT = Integer.MAX_VALUE - 9;

    private final long bodyLimit;
    /** The limit of a streamed upload, which no byte array bounds: "no cap" is none at all. */
    private final long uploadLimit;
    private final GatewayMetrics metrics;
    private final UrlRewrites rewrites;
    private final ClientAddress clientAddress;
    private final RequestValidator validator;
    private final EndpointRouter endpoints;

    /**
     * @param endpoints the routing table: built-in and plugin-contributed endpoints
     * @param bodyLimit the largest request body in bytes; 0 for no cap
     * @param rewrites  {@code proxy.url_rewrites}, applied to the raw path before routing
     * @param clientAddress how the caller's address is told ({@code proxy.real_ip})
     * @param validator checks each body before the chain runs (depth and number limits are its own)
     */
    public ProxyHandler(EndpointRouter endpoints, SnapshotManager snapshots, Lifecycle lifecycle, long bodyLimit,
                        GatewayMetrics metrics, UrlRewrites rewrites, ClientAddress clientAddress,
                        RequestValidator validator) {
        this.endpoints = endpoints;
        this.clientAddress = clientAddress;
        this.validator = validator;
        this.snapshots = snapshots;
        this.lifecycle = lifecycle;
        this.bodyLimit = bodyLimit == 0 ? NO_BODY_LIMIT : Math.min(bodyLimit, NO_BODY_LIMIT);
        this.uploadLimit = bodyLimit == 0 ? Long.MAX_VALUE : bodyLimit;
        this.metrics = metrics;
        this.rewrites = rewrites;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long start = System.nanoTime();
        lifecycle.enter();
        // the state is held to the end of the answer (streams included), so its resources stay open
        try (SnapshotManager.Lease lease = snapshots.acquire()) {
            serve(req, res, start, lease.state());
        } finally {
            lifecycle.exit();
        }
    }

    private void serve(ServerRequest req, ServerResponse res, long start, GatewayState state) {
        String path = rewrites.isEmpty() ? req.path().path() : rewrite(req);
        String method = req.prologue().method().text();
        Optional<Endpoint> endpoint = Optional.ofNullable(endpoints.route(path));
        String requestId = requestId();
        boolean anthropic = endpoint.map(Endpoint::anthropicWire).orElse(false);
        // answered before the body is read: the connection closes after the answer, so that the
        // body is never read as a next request nor drained without a deadline
        Headers unread = req.content().hasEntity() ? CLOSE : Headers.empty();
        if (endpoint.isEmpty()) {
            reject(res, new GatewayException(ErrorCode.NOT_FOUND, "no such endpoint: " + method + " " + path),
                    false, requestId, unread, UNMATCHED);
            return;
        }
        String route = endpoint.get().path();
        if (!endpoint.get().anyMethod() && !endpoint.get().method().equals(method)) {
            reject(res, new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, path + " accepts "
                    + endpoint.get().method() + " only"), anthropic, requestId, unread.isEmpty()
                    ? Headers.of("allow", endpoint.get().method())
                    : Headers.of("allow", endpoint.get().method(), "connection", "close"), route);
            return;
        }
        if (state == null) {
            reject(res, new GatewayException(ErrorCode.SERVICE_UNAVAILABLE, "configuration not yet loaded"),
                    anthropic, requestId, unread.isEmpty() ? Headers.of("retry-after", "1")
                            : Headers.of("retry-after", "1", "connection", "close"), route);
            return;
        }
        byte[] body;
        MultipartUpload upload = null;
        try {
            if (endpoint.get().streamedUpload()) {
                upload = readUpload(req);
                body = new byte[0];
            } else {
                body = readBody(req);
            }
        } catch (GatewayException e) {
            // the body was not read to its end: what is left of it must never be parsed as a next request
            reject(res, e, anthropic, requestId, CLOSE, route);
            return;
        } catch (FramingError f) {
            // Helidon's own response path would first drain the broken body: answer on the socket, then close
            metrics.increment("aisix_requests_total", "route", route, "model", UNKNOWN, "provider", UNKNOWN,
                    "status", "400");
            if (!ConnectionGuard.answerAndClose(ListenerErrors.rawResponse(400, requestId,
                    ErrorRenderer.render(f.error, anthropic)))) {
                throw new CloseConnectionException("framing error in the request body", f.error);
            }
            return;
        }
        if (upload == null) {
            // the body is read whole: the request is being answered. A streamed upload is still
            // arriving; the connection guard times its silences until its last byte.
            ConnectionGuard.answering();
        }
        com.fasterxml.jackson.databind.node.ObjectNode tree;
        try {
            tree = validator.validate(endpoint.get(), body);
        } catch (GatewayException e) {
            reject(res, e, anthropic, requestId, Headers.empty(), route);
            return;
        }
        try {
            serve(req, res, state, path, method, endpoint.get(), body, tree, upload, requestId, start, anthropic);
        } finally {
            LogContext.clear();
            if (upload != null) {
                upload.close();
            }
        }
    }

    private void serve(ServerRequest req, ServerResponse res, GatewayState state, String path, String method,
                       Endpoint endpoint, byte[] body, com.fasterxml.jackson.databind.node.ObjectNode tree,
                       MultipartUpload upload, String requestId, long start, boolean anthropic) {
        Headers.Builder hb = Headers.builder();
        for (Header h : req.headers()) {
            // Helidon's lower-case name: made once per known name, where the name as sent
            // ("Content-Type") was lower-cased again per request
            String name = h.headerName().lowerCase();
            if (h.valueCount() == 1) {
                hb.add(name, h.get());
            } else {
                for (String v : h.allValues()) {
                    hb.add(name, v);
                }
            }
        }
        Headers headers = hb.build();
        KernelExchange ex = new KernelExchange(method, path, endpoint, headers, body, state.snapshot(),
                requestId, start);
        LogContext.enter(ex::requestId); // lines logged while serving it carry its id (logging.format: json)
        ex.parsed(tree);
        clientAddress.resolve(req.remotePeer().address(), headers::all).ifPresent(ip -> ex.attr(CoreAttrs.CLIENT_IP, ip));
        if (upload != null) {
            ex.upload(upload);
        }
        String query = req.query().rawValue();
        if (!query.isEmpty()) {
            ex.attr(CoreAttrs.RAW_QUERY, query);
        }
        Response response;
        try {
            response = state.chain().execute(ex);
        } catch (GatewayException e) {
            sendError(res, e, anthropic, ex.requestId(), ex.responseHeaders().build());
            ex.complete(new Completion(e.status(), Optional.of(e.code()), false, false, false, System.nanoTime()));
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "request " + ex.requestId() + " failed", e);
            GatewayException g = new GatewayException(ErrorCode.INTERNAL, "internal error (request id "
                    + ex.requestId() + ")");
            sendError(res, g, anthropic, ex.requestId(), ex.responseHeaders().build());
            ex.complete(new Completion(500, Optional.of(ErrorCode.INTERNAL), false, false, false, System.nanoTime()));
            return;
        }
        switch (response) {
            case Response.Full full -> writeFull(res, ex, full);
            case Response.Streaming streaming -> writeStream(res, ex, streaming, anthropic, lifecycle);
            case Response.Binary binary -> writeBinary(res, ex, binary);
        }
    }

    /**
     * Sets a response header, with Helidon's name object made once per header name: creating it
     * per call looked the name up twice and, for the gateway's own names ({@code x-ratelimit-*},
     * {@code x-aisix-*}), lower-cased and allocated it on every response. The names come from the
     * kernel and the plugins, a handful in all; the {@value #MAX_HEADER_NAMES}-name bound only
     * keeps a plugin that makes names up per request from growing the map.
     */
    private static void header(ServerResponse res, String name, String value) {
        HeaderName h = HEADER_NAMES.get(name);
        if (h == null) {
            h = HeaderNames.create(name);
            if (HEADER_NAMES.size() < MAX_HEADER_NAMES) {
                HEADER_NAMES.putIfAbsent(name, h);
            }
        }
        res.header(new ResponseField(h, value));
    }

    /** Sets every field of {@code headers}, in order (a later value of a name replaces an earlier one). */
    private static void headers(ServerResponse res, Headers headers) {
        for (int i = 0, n = headers.size(); i < n; i++) {
            header(res, headers.name(i), headers.value(i));
        }
    }

    /** The same for the chain's response headers, read from their builder without building them. */
    private static void headers(ServerResponse res, Headers.Builder headers) {
        for (int i = 0, n = headers.size(); i < n; i++) {
            header(res, headers.name(i), headers.value(i));
        }
    }

    /** The answer's own fields, last of all: its request id and content type. */
    private static void idAndType(ServerResponse res, String requestId, String contentType) {
        res.header(new ResponseField(REQUEST_ID, requestId));
        res.header("application/json".equals(contentType) ? JSON : new ResponseField(HeaderNames.CONTENT_TYPE, contentType));
    }

    /** The path after the first URL rewrite whose match is found in the raw path; else the path as usual. */
    private String rewrite(ServerRequest req) {
        String rawPath = req.path().rawPath();
        Optional<UrlRewrites.Result> r = rewrites.apply(rawPath);
        if (r.isEmpty()) {
            return req.path().path();
        }
        LOG.fine(() -> "url rewrite " + r.get().rule() + ": " + rawPath + " -> " + r.get().path());
        return r.get().path();
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: request ids must be unique, not
     * unguessable (they are echoed to the caller and carry no authority), and
     * {@link UUID#randomUUID()} takes the process-wide {@code SecureRandom} on every request.
     */
    static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = r.nextLong() & ~0xF000L | 0x4000L;
        long lsb = r.nextLong() & ~(3L << 62) | (1L << 63);
        return new UUID(msb, lsb).toString();
    }

    private byte[] readBody(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > bodyLimit) {
            throw tooLarge();
        }
        // Not try-with-resources: closing Helidon's entity stream drains the rest of the body, which
        // after a framing error (an invalid chunk size) waits for bytes that never come. On
        // failure the connection is closed instead (see serve).
        InputStream in = req.content().inputStream();
        try {
            // With a declared length, read exactly that: readNBytes(limit) would allocate (and zero)
            // a 16 KiB buffer per request only to copy a body of a few hundred bytes out of it.
            byte[] data = declared.isPresent()
                    ? in.readNBytes((int) declared.getAsLong())
                    : in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, bodyLimit + 1));
            if (declared.isPresent() && in.read() >= 0) { // cannot happen with HTTP/1.1 framing
                throw GatewayException.invalidRequest("request body is longer than its Content-Length", null);
            }
            if (data.length > bodyLimit) {
                throw tooLarge();
            }
            in.close();
            return data;
        } catch (IOException | UncheckedIOException e) {
            throw GatewayException.invalidRequest("request body could not be read", null);
        } catch (CloseConnectionException e) {
            throw e; // the connection is gone (or was cut by the connection guard)
        } catch (RequestException | IllegalArgumentException e) {
            // Helidon's framing errors inside the body: an invalid chunk size (4.5.0 lets the
            // NumberFormatException of a non-hex size escape) or terminator
            throw new FramingError(GatewayException.invalidRequest("request body framing is invalid (chunk "
                    + "size or terminator)", null));
        }
    }

    /** A body whose framing broke: no answer through Helidon's response is possible any more. */
    private static final class FramingError extends RuntimeException {
        final GatewayException error;

        FramingError(GatewayException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    /** Reads a multipart form ahead to its {@code model} field; the rest stays on the connection. */
    private MultipartUpload readUpload(ServerRequest req) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        var declared = req.headers().contentLength();
        if (!req.content().hasEntity()) {
            throw GatewayException.invalidRequest("this endpoint takes a multipart/form-data body", null);
        }
        return MultipartUpload.read(type, req.content().inputStream(), declared.isPresent() ? declared.getAsLong() : -1,
                uploadLimit);
    }

    private GatewayException tooLarge() {
        return new GatewayException(ErrorCode.BODY_TOO_LARGE, "request body exceeds the limit of " + bodyLimit + " bytes");
    }

    private static void writeFull(ServerResponse res, KernelExchange ex, Response.Full full) {
        ex.attr(CoreAttrs.FIRST_BYTE_NANOS, System.nanoTime());
        res.status(Status.create(full.status()));
        headers(res, full.headers());
        headers(res, ex.responseHeaders());
        idAndType(res, ex.requestId(), full.contentType());
        boolean delivered = true;
        try {
            res.send(full.body());
        } catch (RuntimeException e) {
            if (!clientGone(e)) {
                LOG.log(Level.SEVERE, "response of request " + ex.requestId() + " failed", e);
            }
            delivered = false;
        }
        ex.complete(new Completion(full.status(), Optional.empty(), false, delivered, !delivered, System.nanoTime()));
    }

    private static final GatewayException DRAIN_CUT = new GatewayException(ErrorCode.SERVICE_UNAVAILABLE,
            "stream cut: the gateway is shutting down (drain deadline reached)");

    /** Copies a binary answer to the caller chunk by chunk, flushing each, without holding it whole. */
    private static void writeBinary(ServerResponse res, KernelExchange ex, Response.Binary binary) {
        res.status(Status.create(binary.status()));
        headers(res, binary.headers());
        headers(res, ex.responseHeaders());
        idAndType(res, ex.requestId(), binary.contentType());
        if (binary.contentLength() >= 0) {
            res.header(HeaderNames.CONTENT_LENGTH, Long.toString(binary.contentLength()));
        }
        boolean completed = false;
        boolean disconnected = false;
        Optional<ErrorCode> error = Optional.empty();
        byte[] chunk = new byte[16 * 1024];
        try (InputStream in = binary.body()) {
            OutputStream out = res.outputStream();
            boolean first = true;
            while (true) {
                int n;
                try {
                    n = in.read(chunk);
                } catch (IOException | UncheckedIOException | GatewayException e) {
                    // the upstream failed mid-body: nothing but an abrupt end can tell the caller
                    error = Optional.of(e instanceof GatewayException g ? g.code() : ErrorCode.UPSTREAM_ERROR);
                    break;
                }
                if (first) {
                    ex.attr(CoreAttrs.FIRST_BYTE_NANOS, System.nanoTime());
                    first = false;
                }
                if (n < 0) {
                    completed = true;
                    break;
                }
                out.write(chunk, 0, n);
                out.flush();
            }
            if (completed) {
                out.close();
            }
        } catch (IOException | UncheckedIOException e) {
            disconnected = true;
        } catch (RuntimeException e) {
            if (clientGone(e)) {
                disconnected = true;
            } else {
                LOG.log(Level.SEVERE, "answer of request " + ex.requestId() + " failed", e);
                error = Optional.of(ErrorCode.INTERNAL);
            }
        }
        ex.complete(new Completion(binary.status(), error, false, completed, disconnected, System.nanoTime()));
        if (error.isPresent() && !completed && !disconnected) {
            // a cut-short body must not look complete: dropping the connection is the only signal left
            throw new CloseConnectionException("upstream body failed mid-answer");
        }
    }

    private static void writeStream(ServerResponse res, KernelExchange ex, Response.Streaming streaming,
                                    boolean anthropic, Lifecycle lifecycle) {
        EventStream events = streaming.events();
        res.status(Status.create(streaming.status()));
        headers(res, streaming.headers());
        headers(res, ex.responseHeaders());
        res.header(new ResponseField(REQUEST_ID, ex.requestId()));
        res.header(EVENT_STREAM);
        res.header(NO_CACHE);
        boolean completed = false;
        boolean disconnected = false;
        Optional<ErrorCode> error = Optional.empty();
        boolean cut = false;
        OutputStream out = null;
        try (Lifecycle.StreamCut guard = lifecycle.stream()) {
            out = res.outputStream();
            boolean first = true;
            while (true) {
                Optional<SseEvent> next;
                GatewayException failure = null;
                if (!guard.waiting()) {
                    failure = DRAIN_CUT;
                    next = Optional.empty();
                } else {
                    try {
                        next = events.next();
                    } catch (GatewayException e) {
                        failure = e;
                        next = Optional.empty();
                    } catch (RuntimeException e) {
                        if (!guard.isCut()) {
                            throw e;
                        }
                        next = Optional.empty();
                    } finally {
                        guard.done();
                    }
                    if (guard.isCut()) {
                        // the drain deadline interrupted the wait (the upstream read fails with it)
                        failure = DRAIN_CUT;
                    }
                }
                if (failure != null) {
                    // an error event in the caller's protocol, and no [DONE]: the answer is incomplete
                    error = Optional.of(failure.code());
                    cut = true;
                    writeEvent(out, new SseEvent("error", new String(ErrorRenderer.render(failure, anthropic),
                            StandardCharsets.UTF_8)));
                    out.flush();
                    break;
                }
                if (first) {
                    ex.attr(CoreAttrs.FIRST_BYTE_NANOS, System.nanoTime());
                    first = false;
                }
                if (next.isEmpty()) {
                    if (ex.endpoint().doneSentinel()) {
                        out.write(DONE);
                    }
                    out.flush();
                    completed = true;
                    break;
                }
                writeEvent(out, next.get());
                out.flush();
            }
            out.close();
        } catch (IOException | UncheckedIOException e) {
            disconnected = true;
        } catch (RuntimeException e) {
            if (clientGone(e)) {
                disconnected = true;
            } else {
                LOG.log(Level.SEVERE, "stream of request " + ex.requestId() + " failed", e);
                error = Optional.of(ErrorCode.INTERNAL);
            }
        } finally {
            events.close();
        }
        ex.complete(new Completion(streaming.status(), error, true, completed, disconnected, System.nanoTime(),
                cut && !disconnected));
    }

    /**
     * True when a write failed because the caller went away: Helidon reports a reset or broken
     * connection as a {@link CloseConnectionException} wrapping the socket's {@link IOException}.
     */
    static boolean clientGone(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof CloseConnectionException) {
                return true;
            }
        }
        return false;
    }

    static void writeEvent(OutputStream out, SseEvent event) throws IOException {
        if (!event.event().isEmpty()) {
            out.write(EVENT);
            out.write(event.event().getBytes(StandardCharsets.UTF_8));
            out.write(EOL);
        }
        String data = event.data();
        int from = 0;
        int nl;
        while ((nl = data.indexOf('\n', from)) >= 0) {
            out.write(DATA);
            out.write(data.substring(from, nl).getBytes(StandardCharsets.UTF_8));
            out.write(EOL);
            from = nl + 1;
        }
        out.write(DATA);
        out.write(from == 0 ? data.getBytes(StandardCharsets.UTF_8) : data.substring(from).getBytes(StandardCharsets.UTF_8));
        out.write(END);
    }

    /** Answers a request the chain never saw, and counts it (the observe plugin cannot). */
    private void reject(ServerResponse res, GatewayException e, boolean anthropic, String requestId, Headers extra,
                        String route) {
        if (extra.contains("connection")) {
            ConnectionGuard.closeAfterAnswer(); // the body was left unread
        }
        // counted first: a caller that scrapes right after the answer must find it counted
        metrics.increment("aisix_requests_total", "route", route, "model", UNKNOWN, "provider", UNKNOWN,
                "status", Integer.toString(e.status()));
        sendError(res, e, anthropic, requestId, extra);
    }

    static void sendError(ServerResponse res, GatewayException e, boolean anthropic, String requestId, Headers extra) {
        res.status(Status.create(e.status()));
        headers(res, extra);
        headers(res, e.headers());
        if (e.retryAfter().isPresent() && !e.headers().contains("retry-after") && !extra.contains("retry-after")) {
            header(res, "retry-after", Long.toString(Math.max(1, e.retryAfter().get().toSeconds())));
        }
        idAndType(res, requestId, "application/json");
        try {
            res.send(ErrorRenderer.render(e, anthropic));
        } catch (UncheckedIOException ignored) {
            // the caller is gone
        }
    }
}
