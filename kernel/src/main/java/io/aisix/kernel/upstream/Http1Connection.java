package io.aisix.kernel.upstream;

import io.aisix.spi.Headers;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.EOFException;
import io.aisix.spi.provider.StreamBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * One upstream connection and the answer being read on it. A connection carries one exchange at
 * a time: {@link #exchange} writes a request and parses the answer head out of the connection's
 * buffer; the body stream reads the rest and hands the connection back to the pool at its end.
 */
final class Http1Connection {
    /** A {@code deadline} meaning none. */
    static final long NO_DEADLINE = Long.MIN_VALUE;
    private static final int BUFFER = 8192;
    private static final int MAX_HEAD = 64 * 1024;
    /** Requests up to this size go out in one socket write (one TCP segment for typical chat requests). */
    private static final int SINGLE_WRITE = 16 * 1024;

    private final Http1UpstreamClient client;
    private final Http1UpstreamClient.Route route;
    private final Socket socket;
    /** The TCP socket under {@link #socket} (the same one without TLS): closing it ends any read. */
    private final Socket tcp;
    private final InputStream in;
    private final OutputStream out;
    private byte[] buf = new byte[BUFFER];
    private int pos;
    private int lim;
    private boolean received;
    private long idleSince;
    /** The longest single read of the current exchange (nanoseconds), 0 = no bound. */
    private long gapNanos;
    /** When the current exchange must be over (System.nanoTime), or {@link #NO_DEADLINE}. */
    private long deadline = NO_DEADLINE;
    /** When the socket read under way must have returned (System.nanoTime), or 0 outside reads and for unbounded ones. */
    private volatile long readDeadline;
    private volatile boolean timedOut;
    /** How the client's watchdog holds it (weakly: see {@link Http1UpstreamClient}). */
    private final WeakReference<Http1Connection> self = new WeakReference<>(this);

    Http1Connection(Http1UpstreamClient client, Http1UpstreamClient.Route route, Socket socket, Socket tcp)
            throws IOException {
        this.client = client;
        this.route = route;
        this.socket = socket;
        this.tcp = tcp;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    Http1UpstreamClient.Route route() {
        return route;
    }

    long idleSince() {
        return idleSince;
    }

    void idleSince(long nanos) {
        idleSince = nanos;
    }

    /** Whether any byte of the current answer arrived (if not, a failure may be a stale connection). */
    boolean received() {
        return received;
    }

    /** Whether it was closed (by its reader, the watchdog or a failure); it is never reused then. */
    boolean isClosed() {
        return socket.isClosed();
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is left to do with it
        }
        client.closed(this);
    }

    WeakReference<Http1Connection> self() {
        return self;
    }

    /** Whether a bounded socket read is under way. */
    boolean reading() {
        return readDeadline != 0;
    }

    /**
     * Called by the client's watchdog: when a read has waited past its deadline the connection
     * is closed, which ends the read, and the read reports a timeout.
     */
    void expireIfLate(long now) {
        long deadline = readDeadline;
        if (deadline != 0 && now - deadline > 0) {
            timedOut = true;
            try {
                tcp.close(); // under TLS, closing the TLS socket could wait for the blocked read
            } catch (IOException ignored) {
                // closed either way
            }
            close();
        }
    }

    /**
     * A socket read bounded by the exchange's timeout. The socket itself has no read timeout: on a
     * virtual thread a timed read registers a timer with the scheduler's delay thread and cancels
     * it afterwards, waking that thread twice per read (four futex calls per streamed event, the
     * busiest thread of the process). The client's watchdog enforces the deadline instead.
     */
    private int socketRead(byte[] b, int off, int len) throws IOException {
        long until = gapNanos > 0 ? System.nanoTime() + gapNanos : NO_DEADLINE;
        if (deadline != NO_DEADLINE && (until == NO_DEADLINE || deadline - until < 0)) {
            until = deadline;
        }
        if (until == NO_DEADLINE) {
            return in.read(b, off, len);
        }
        readDeadline = until == 0 ? 1 : until; // 0 means "not reading"
        client.reading();
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            if (timedOut) {
                throw new SocketTimeoutException("upstream read timed out");
            }
            throw e;
        } finally {
            readDeadline = 0;
        }
    }

    /**
     * Sends a request and reads the answer head; the body is left to the returned response.
     *
     * @param gapNanos the longest single read, 0 for no bound
     * @param deadline when the whole exchange must be over ({@link System#nanoTime()}), or
     *                 {@link #NO_DEADLINE}
     */
    UpstreamResponse exchange(byte[] head, byte[] body, long gapNanos, long deadline, String method)
            throws IOException {
        return exchange(head, body, null, gapNanos, deadline, method);
    }

    /**
     * As above; a non-null {@code streamBody} is written after the head instead of {@code body}
     * (chunked when its length is unknown, which the head then says).
     */
    UpstreamResponse exchange(byte[] head, byte[] body, StreamBody streamBody, long gapNanos, long deadline,
                              String method) throws IOException {
        received = false;
        this.gapNanos = gapNanos;
        this.deadline = deadline;
        if (streamBody != null) {
            out.write(head);
            if (streamBody.length() >= 0) {
                streamBody.writeTo(out);
            } else {
                ChunkedOut chunked = new ChunkedOut(out);
                streamBody.writeTo(chunked);
                chunked.finish();
            }
        } else if (head.length + body.length <= SINGLE_WRITE) {
            byte[] all = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            out.write(all);
        } else {
            out.write(head);
            out.write(body);
        }
        out.flush();
        while (true) {
            String statusLine = line();
            if (statusLine == null) {
                throw new EOFException("upstream closed the connection before answering");
            }
            int status = status(statusLine);
            Headers.Builder headers = Headers.builder();
            while (true) {
                int nl = lineEnd(); // never -1 here: the status line was received
                int end = nl > pos && buf[nl - 1] == '\r' ? nl - 1 : nl;
                if (end == pos) {
                    pos = nl + 1;
                    break;
                }
                header(headers, buf, pos, end);
                pos = nl + 1;
            }
            if (status >= 100 && status < 200 && status != 101) {
                continue; // 100 Continue, 103 Early Hints: the answer follows
            }
            return answer(status, headers.build(), statusLine.startsWith("HTTP/1.0"), method);
        }
    }

    private Answer answer(int status, Headers headers, boolean http10, String method) throws ProtocolException {
        String connection = headers.first("connection").orElse("").toLowerCase(Locale.ROOT);
        boolean reusable = http10 ? connection.contains("keep-alive") : !connection.contains("close");
        Body body;
        if (method.equals("HEAD") || status == 204 || status == 304) {
            body = new Body(0, false);
        } else if (headers.first("transfer-encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false)) {
            body = new Body(-1, true);
        } else if (headers.contains("content-length")) {
            long length;
            try {
                length = Long.parseLong(headers.first("content-length").orElseThrow().trim());
            } catch (NumberFormatException e) {
                throw new ProtocolException("malformed upstream content-length");
            }
            if (length < 0) {
                throw new ProtocolException("malformed upstream content-length");
            }
            body = new Body(length, false);
        } else {
            body = new Body(-1, false);
            reusable = false; // the body ends when the connection does
        }
        body.reusable = reusable;
        if (body.remaining == 0 && !body.chunked) {
            body.end();
        }
        String coding = headers.first("content-encoding").orElse("identity").trim().toLowerCase(Locale.ROOT);
        if (coding.equals("gzip") || coding.equals("x-gzip") || coding.equals("deflate")) {
            Headers decoded = headers.toBuilder().remove("content-encoding").remove("content-length").build();
            return new Answer(status, decoded, body, coding);
        }
        return new Answer(status, headers, body, null);
    }

    private static int status(String line) throws ProtocolException {
        // HTTP/1.1 200 OK
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new ProtocolException("malformed upstream status line");
        }
        try {
            return Integer.parseInt(line, 9, 12, 10);
        } catch (NumberFormatException e) {
            throw new ProtocolException("malformed upstream status line");
        }
    }

    /**
     * Lower-case header names an upstream answer usually carries: a line whose name is one of them
     * (in any case) reuses the constant instead of allocating the name and its lower-case copy.
     */
    private static final String[] KNOWN_NAMES = {
        "content-type", "content-length", "date", "connection", "keep-alive", "transfer-encoding",
        "content-encoding", "server", "vary", "cache-control", "x-request-id", "request-id",
        "openai-processing-ms", "openai-organization", "openai-version", "openai-project",
        "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
        "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
        "strict-transport-security", "x-content-type-options", "access-control-expose-headers",
        "alt-svc", "set-cookie", "cf-ray", "cf-cache-status", "retry-after", "anthropic-organization-id",
    };
    private static final byte[][] KNOWN_BYTES = Arrays.stream(KNOWN_NAMES)
            .map(n -> n.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);

    /**
     * Adds the header line {@code b[from, to)} (no line end) the way {@code name: value} was split
     * from its string before: name and value {@link String#trim() trimmed} (every byte up to
     * {@code 0x20} off both ends), the name lower-cased by the builder; parsed in place, so a line
     * costs one string (its value) instead of five.
     *
     * @throws ProtocolException when the line has no colon, or starts with one
     */
    static void header(Headers.Builder headers, byte[] b, int from, int to) throws ProtocolException {
        int colon = -1;
        for (int i = from; i < to; i++) {
            if (b[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= from) {
            throw new ProtocolException("malformed upstream header line");
        }
        int ns = from;
        int ne = colon;
        while (ns < ne && (b[ns] & 0xff) <= ' ') {
            ns++;
        }
        while (ne > ns && (b[ne - 1] & 0xff) <= ' ') {
            ne--;
        }
        int vs = colon + 1;
        int ve = to;
        while (vs < ve && (b[vs] & 0xff) <= ' ') {
            vs++;
        }
        while (ve > vs && (b[ve - 1] & 0xff) <= ' ') {
            ve--;
        }
        String name = known(b, ns, ne);
        headers.add(name != null ? name : new String(b, ns, ne - ns, StandardCharsets.ISO_8859_1),
                new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1));
    }

    /** The {@link #KNOWN_NAMES} entry that {@code b[from, to)} spells in any ASCII case; null if none. */
    private static String known(byte[] b, int from, int to) {
        int len = to - from;
        names:
        for (int k = 0; k < KNOWN_BYTES.length; k++) {
            byte[] n = KNOWN_BYTES[k];
            if (n.length != len) {
                continue;
            }
            for (int i = 0; i < len; i++) {
                int c = b[from + i];
                if (c >= 'A' && c <= 'Z') {
                    c += 'a' - 'A';
                }
                if (c != n[i]) {
                    continue names;
                }
            }
            return KNOWN_NAMES[k];
        }
        return null;
    }

    /** The next head line without its line end, or null at the end of the stream before any byte. */
    private String line() throws IOException {
        int nl = lineEnd();
        if (nl < 0) {
            return null;
        }
        int end = nl > pos && buf[nl - 1] == '\r' ? nl - 1 : nl;
        String s = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
        pos = nl + 1;
        return s;
    }

    /**
     * The index in {@link #buf} of the next head line's {@code \n}, reading until the line is
     * buffered whole (from {@link #pos}); -1 at the end of the stream before any byte.
     */
    private int lineEnd() throws IOException {
        int scanned = pos;
        while (true) {
            for (int i = scanned; i < lim; i++) {
                if (buf[i] == '\n') {
                    return i;
                }
            }
            scanned = lim - pos; // where the scan goes on once the buffer was compacted
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            if (lim == buf.length) {
                if (buf.length >= MAX_HEAD) {
                    throw new ProtocolException("upstream answer head is too large");
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = socketRead(buf, lim, buf.length - lim);
            if (n < 0) {
                if (lim == 0 && !received) {
                    return -1;
                }
                throw new EOFException("upstream closed the connection in the answer head");
            }
            received = true;
            lim += n;
        }
    }

    /** Up to {@code len} bytes: what is buffered, else one socket read. -1 at the end of the stream. */
    private int readSome(byte[] b, int off, int len) throws IOException {
        if (pos < lim) {
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
        if (len >= buf.length) {
            return socketRead(b, off, len);
        }
        int n = socketRead(buf, 0, buf.length);
        if (n <= 0) {
            return n;
        }
        pos = 0;
        lim = n;
        return readSome(b, off, len);
    }

    private final class Answer implements UpstreamResponse {
        private final int status;
        private final Headers headers;
        private final Body raw;
        private final InputStream body;
        private final boolean decoded;

        Answer(int status, Headers headers, Body raw, String coding) {
            this.status = status;
            this.headers = headers;
            this.raw = raw;
            this.decoded = coding != null;
            this.body = coding == null ? raw : new Decoded(raw, coding);
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public InputStream body() {
            return body;
        }

        @Override
        public byte[] readAll() {
            try {
                if (!decoded && !raw.chunked && raw.remaining >= 0 && raw.remaining <= Integer.MAX_VALUE - 8) {
                    return body.readNBytes((int) raw.remaining); // exactly the declared length, one array
                }
                return body.readAllBytes();
            } catch (IOException e) {
                throw Http1UpstreamClient.translate(e, "upstream body could not be read");
            }
        }

        @Override
        public void close() {
            raw.close();
        }
    }

    /**
     * The raw answer body: {@code remaining} bytes of a declared length, chunks, or everything up to
     * the end of the connection ({@code remaining} -1, not chunked). Failures surface as
     * {@link io.aisix.spi.error.GatewayException}s.
     */
    private final class Body extends BlockReads {
        /** The most an ended stream may still send before its connection is given up. */
        private static final int TAIL_BYTES = 1024;
        private static final long TAIL_NANOS = TimeUnit.SECONDS.toNanos(1);
        private final boolean chunked;
        private long remaining;
        private boolean firstChunk = true;
        private boolean reusable;
        /** The thread that sent the request; a close from any other may race a read, so it never reuses. */
        private final Thread owner = Thread.currentThread();
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile boolean complete;

        Body(long remaining, boolean chunked) {
            this.remaining = chunked ? 0 : remaining;
            this.chunked = chunked;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (complete) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            try {
                if (chunked && remaining == 0 && !nextChunk()) {
                    end();
                    return -1;
                }
                int want = remaining < 0 ? len : (int) Math.min(len, remaining);
                int n = readSome(b, off, want);
                if (n < 0) {
                    if (remaining < 0) {
                        end();
                        return -1;
                    }
                    throw new EOFException("upstream closed the connection before the end of the answer");
                }
                if (remaining > 0) {
                    remaining -= n;
                    if (remaining == 0 && !chunked) {
                        end();
                    }
                }
                return n;
            } catch (IOException | RuntimeException e) {
                close();
                throw Http1UpstreamClient.translate(e, "upstream stream broke");
            }
        }

        /** Reads the next chunk-size line; false at the last chunk (whose trailers it skips). */
        private boolean nextChunk() throws IOException {
            if (!firstChunk && !line().isEmpty()) {
                throw new ProtocolException("malformed upstream chunk");
            }
            firstChunk = false;
            String sizeLine = line();
            if (sizeLine == null) {
                throw new EOFException("upstream closed the connection before the end of the answer");
            }
            int semi = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new ProtocolException("malformed upstream chunk size");
            }
            if (size < 0) {
                throw new ProtocolException("malformed upstream chunk size");
            }
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailer fields are not used
                }
                return false;
            }
            remaining = size;
            return true;
        }

        @Override
        public int available() {
            return complete ? 0 : Math.max(0, Math.min(lim - pos, remaining < 0 ? Integer.MAX_VALUE : (int) Math.min(remaining, Integer.MAX_VALUE)));
        }

        /** The answer was read to its end: the connection goes back to the pool if it may. */
        void end() {
            complete = true;
            if (ended.compareAndSet(false, true)) {
                if (reusable && pos == lim) {
                    client.release(Http1Connection.this);
                } else {
                    Http1Connection.this.close();
                }
            }
        }

        /**
         * Before the end this aborts the exchange: the connection is closed, unless the rest of the
         * answer is a few bytes away. That is the usual end of a stream: its reader stops at the
         * last event ({@code [DONE]}) while the chunked body's terminating chunk is in the buffer,
         * or follows in a moment (servers write it when their handler returns). Closing there
         * cost a new connection (a TLS handshake, against a real provider) per streamed answer.
         * When the end is not here yet, a virtual thread waits for it, briefly and for a few
         * bytes only, so the caller is not held up and an upstream that is still generating
         * (the caller went away mid-stream) is cut off as before.
         */
        @Override
        public void close() {
            complete = true;
            if (ended.compareAndSet(false, true)) {
                if (!reusable || Thread.currentThread() != owner || !chunked) {
                    Http1Connection.this.close();
                } else if (restArrived()) {
                    client.release(Http1Connection.this);
                } else {
                    Thread.ofVirtual().name("aisix-upstream-tail").start(this::awaitRest);
                }
            }
        }

        /** Reads what is left of the answer, up to {@link #TAIL_BYTES} within {@link #TAIL_NANOS}. */
        private void awaitRest() {
            gapNanos = gapNanos == 0 ? TAIL_NANOS : Math.min(gapNanos, TAIL_NANOS);
            try {
                while (true) {
                    int end = chunkedEnd();
                    if (end == lim) {
                        pos = lim;
                        client.release(Http1Connection.this);
                        return;
                    }
                    if (end > 0 || lim - pos > TAIL_BYTES) {
                        break; // bytes after the end, or more than an end: still generating
                    }
                    if (pos > 0) {
                        System.arraycopy(buf, pos, buf, 0, lim - pos);
                        lim -= pos;
                        pos = 0;
                    }
                    int n = socketRead(buf, lim, TAIL_BYTES + 1);
                    if (n < 0) {
                        break;
                    }
                    lim += n;
                }
            } catch (IOException e) {
                // timed out or broken: the connection is not worth keeping
            }
            Http1Connection.this.close();
        }

        /**
         * Whether the rest of a chunked answer is in the buffer, after taking in what the socket
         * already holds (never waiting for more); if so it is consumed, to the exact end.
         */
        private boolean restArrived() {
            if (!chunked || remaining < 0) {
                return false;
            }
            for (int attempt = 0; attempt < 4; attempt++) {
                int end = chunkedEnd();
                if (end == lim) {
                    pos = lim;
                    return true;
                }
                if (end > 0 || !pullAvailable()) {
                    return false; // bytes after the end, or the rest is not here yet
                }
            }
            return false;
        }

        /** Where the buffered chunked body ends: its offset, -1 if it does not end within the buffer. */
        private int chunkedEnd() {
            long p = pos + remaining;
            boolean afterData = !firstChunk;
            while (p <= lim) {
                int at = (int) p;
                if (afterData) {
                    if (at + 2 > lim || buf[at] != '\r' || buf[at + 1] != '\n') {
                        return -1;
                    }
                    at += 2;
                }
                int eol = lineEnd(at);
                if (eol < 0) {
                    return -1;
                }
                long size = chunkSize(at, eol);
                at = eol + 1;
                if (size == 0) {
                    for (int e; (e = lineEnd(at)) >= 0; at = e + 1) {
                        if (e == at || (e == at + 1 && buf[at] == '\r')) {
                            return e + 1; // the blank line after the (skipped) trailers
                        }
                    }
                    return -1;
                }
                if (size < 0) {
                    return -1;
                }
                p = at + size;
                afterData = true;
            }
            return -1;
        }

        private int lineEnd(int from) {
            for (int i = from; i < lim; i++) {
                if (buf[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** The hex size of the chunk-size line buf[from, eol); -1 when it is not one. */
        private long chunkSize(int from, int eol) {
            long size = 0;
            int digits = 0;
            for (int i = from; i < eol && buf[i] != ';' && buf[i] != '\r'; i++) {
                int d = Character.digit(buf[i], 16);
                if (d < 0 || ++digits > 15) {
                    return -1;
                }
                size = size * 16 + d;
            }
            return digits == 0 ? -1 : size;
        }

        /** Appends what the socket has already received to the buffer, without blocking; false if nothing. */
        private boolean pullAvailable() {
            try {
                int ready = in.available();
                if (ready <= 0) {
                    return false;
                }
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    lim -= pos;
                    pos = 0;
                }
                if (buf.length - lim < ready) {
                    if (lim + ready > MAX_HEAD) {
                        return false;
                    }
                    buf = Arrays.copyOf(buf, Math.max(buf.length * 2, lim + ready));
                }
                int n = in.read(buf, lim, ready); // does not block: the bytes are there
                if (n <= 0) {
                    return false;
                }
                lim += n;
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** A gzip or deflate answer, decoded; closing it closes the raw body. */
    private static final class Decoded extends BlockReads {
        private final Body raw;
        private final String coding;
        private InputStream decoder;

        Decoded(Body raw, String coding) {
            this.raw = raw;
            this.coding = coding;
        }

        private InputStream decoder() throws IOException {
            if (decoder == null) {
                decoder = coding.equals("deflate") ? new InflaterInputStream(raw) : new GZIPInputStream(raw);
            }
            return decoder;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                int n = decoder().read(b, off, len);
                if (n < 0) {
                    raw.readAllBytes(); // to the end of the raw body, which frees the connection
                }
                return n;
            } catch (IOException e) {
                raw.close();
                throw Http1UpstreamClient.translate(e, "upstream answer could not be decoded");
            }
        }

        @Override
        public void close() {
            raw.close();
        }
    }

    /** A stream whose single-byte read goes through its block read (the one place with the logic). */
    abstract static class BlockReads extends InputStream {
        @Override
        public int read() {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public abstract int read(byte[] b, int off, int len);
    }

    /** HTTP/1.1 chunked framing of a request body of unknown length; {@link #finish} writes the last chunk. */
    static final class ChunkedOut extends java.io.OutputStream {
        private final java.io.OutputStream out;

        ChunkedOut(java.io.OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return; // a zero-length chunk would end the body
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(b, off, len);
            out.write(CRLF_BYTES);
        }

        void finish() throws IOException {
            out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            // the connection outlives the body
        }

        private static final byte[] CRLF_BYTES = {'\r', '\n'};
    }
}
