package io.aisix.kernel.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.spi.ProtocolConfig;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What one client may hold on a listener, enforced where Helidon 4.5 has no setting for it.
 *
 * <p>Helidon gives a connection cap ({@code max-tcp-connections}: further connections wait in the
 * accept backlog) and an idle timeout between requests ({@code idle-connection-timeout}); both are
 * set from the listener's config here. It has no deadline for a request's headers nor for a body
 * that stops arriving (its socket {@code read-timeout} is not applied to server connections), so a
 * slowloris client holds a connection and its memory forever. The guard adds them:
 *
 * <ul>
 *   <li><b>header deadline</b>: from the connection's opening (or the request line of a later
 *       request on it) to the end of the headers; missed, the caller gets 408 and the connection
 *       closes;</li>
 *   <li><b>body silence</b>: while a request body is being received, the longest gap between two
 *       reads; exceeded, the caller gets 408 and the connection closes. The body counts as
 *       received at its {@code Content-Length} (or a chunked body's last chunk), or when a
 *       handler says so ({@link #answering()}), or when the answer begins;</li>
 *   <li>while an answer is being written nothing is timed: a slow upstream or a long stream that
 *       is still producing is never cut by the listener (upstream deadlines bound those).</li>
 * </ul>
 *
 * <p>It is also the listener's only connection selector, wrapping Helidon's HTTP/1 one: the
 * first request line is read before HTTP/1 takes the connection, so a line that is not HTTP/1.1
 * (HTTP/1.0, HTTP/2 prior knowledge, an unknown version), one longer than the prologue limit, or a
 * method that is not upper case gets a JSON answer ({@link ListenerErrors}) instead of a silent
 * close. Phases are tracked from Helidon's receive and send listeners, which run on the
 * connection's own thread; one timer thread per listener enforces the deadlines.
 */
public final class ConnectionGuard implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());
    /** Longest request line accepted (Helidon's prologue limit is set to the same). */
    static final int MAX_PROLOGUE = 8192;
    /** Largest request head (request line excluded) accepted; larger gets 431. */
    static final int MAX_HEADERS = 16384;
    private static final ThreadLocal<Conn> CURRENT = new ThreadLocal<>();

    /**
     * The listener's limits.
     *
     * @param header         request line and headers must arrive within this
     * @param bodySilence    longest gap between reads of a request body
     * @param idle           a connection between requests closes after this
     * @param maxConnections open connections at once
     */
    public record Limits(Duration header, Duration bodySilence, Duration idle, int maxConnections) {
    }

    enum Phase { HEAD, BODY, ANSWER }

    /** One open connection; fields are written by its own thread and read by the timer. */
    static final class Conn {
        final ConnectionContext ctx;
        volatile Phase phase = Phase.HEAD;
        volatile long since = System.nanoTime();
        volatile boolean cut;
        /** The next request line's method is not upper case (seen in its first bytes). */
        volatile boolean lowerMethod;
        /** A handler asked for the connection to close after its answer. */
        volatile boolean closeAfter;
        /** The request body's declared length, -1 for chunked; bytes of it received so far. */
        long expected = -1;
        long received;
        /** What HTTP/1 reads from (set once it takes the connection). */
        volatile DataReader reader;
        volatile ServerConnection inner;
        final long opened = since;

        Conn(ConnectionContext ctx) {
            this.ctx = ctx;
        }
    }

    private final String listener;
    private final Limits limits;
    private final ListenerErrors errors;
    private final Map<ConnectionContext, Conn> open = new ConcurrentHashMap<>();
    private final Thread timer;
    private volatile boolean closed;

    public ConnectionGuard(String listener, Limits limits, ListenerErrors errors) {
        this.listener = listener;
        this.limits = limits;
        this.errors = errors;
        long tick = Math.clamp(Math.min(limits.header().toMillis(), limits.bodySilence().toMillis()) / 4, 20, 1000);
        this.timer = Thread.ofPlatform().daemon().name("aisix-guard-" + listener).unstarted(() -> tick(tick));
        this.timer.start();
    }

    /** The listener's name ({@code proxy}, {@code admin}, {@code metrics}). */
    public String listener() {
        return listener;
    }

    /** Connections open on this listener right now. */
    public int openConnections() {
        return open.size();
    }

    /**
     * Configures {@code b} (a listener or the server's default one): the guard as its only
     * connection selector around HTTP/1 built from {@code http1}, the connection cap, the idle
     * timeout and the listener's error envelopes.
     */
    public <B extends ListenerConfig.BuilderBase<B, ?>> B apply(B b, String socketName, Http1Config.Builder http1) {
        Http1Config h1 = http1.maxPrologueLength(MAX_PROLOGUE)
                .maxHeadersSize(MAX_HEADERS)
                .addReceiveListener(new Receive())
                .addSendListener(new Send())
                .build();
        ServerConnectionSelector inner = new Http1ConnectionProvider().create(socketName, h1,
                ProtocolConfigs.create(List.of(h1)));
        long idleMs = limits.idle().toMillis();
        // No discovered protocol may add a selector of its own: with two candidates Helidon reads the
        // first bytes before choosing, and a connection that never sends any would be held forever.
        return b.protocolsDiscoverServices(false)
                .protocols(List.of(GuardProtocol.INSTANCE))
                .addConnectionSelector(new Selector(inner))
                .maxTcpConnections(limits.maxConnections())
                .idleConnectionTimeout(limits.idle())
                .idleConnectionPeriod(Duration.ofMillis(Math.clamp(idleMs / 4, 50, 5000)))
                .directHandlers(errors.directHandlers())
                .errorHandling(e -> e.includeEntity(true));
    }

    /**
     * Marks the calling connection's request body as read: the request is being answered, so no
     * read deadline applies any more. Called by handlers on the connection's thread; does nothing
     * elsewhere.
     */
    public static void answering() {
        Conn c = CURRENT.get();
        if (c != null) {
            c.phase = Phase.ANSWER;
        }
    }

    /**
     * Asks for the calling connection to close once its answer is sent (a body was left unread).
     * Decided here, not by a response header: Helidon sends the keep-alive it decided on the
     * request whatever header a handler sets, and an upstream's own {@code Connection} header must
     * not close the caller's connection.
     */
    static void closeAfterAnswer() {
        Conn c = CURRENT.get();
        if (c != null) {
            c.closeAfter = true;
        }
    }

    /** True when a handler asked for the calling connection to close after its answer. */
    static boolean closeAfterRequested() {
        Conn c = CURRENT.get();
        return c != null && c.closeAfter;
    }

    /**
     * Writes {@code response} (a whole HTTP/1.1 answer with {@code Connection: close}) straight to
     * the calling connection's socket and ends the connection. For answers Helidon cannot send any
     * more: after a framing error inside a request body its response path would first try to
     * drain the rest of that body. False when the caller is not on a guarded connection.
     */
    static boolean answerAndClose(byte[] response) {
        Conn c = CURRENT.get();
        if (c == null) {
            return false;
        }
        c.phase = Phase.ANSWER;
        try {
            c.ctx.dataWriter().writeNow(BufferData.create(response));
        } catch (RuntimeException ignored) {
            // the caller is gone
        }
        throw new CloseConnectionException("framing error in the request body");
    }

    private void tick(long tickMs) {
        while (!closed) {
            try {
                Thread.sleep(tickMs);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long header = limits.header().toNanos();
            long body = limits.bodySilence().toNanos();
            for (Conn c : open.values()) {
                try {
                    Phase p = c.phase;
                    if (p == Phase.HEAD && now - c.since > header) {
                        cut(c, true);
                    } else if (p == Phase.BODY && now - c.since > body) {
                        cut(c, false);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "guard of listener " + listener + " could not close a connection", e);
                }
            }
        }
    }

    /** Ends a connection that missed a deadline; a caller still waiting for its headers learns why. */
    private void cut(Conn c, boolean head) {
        if (c.cut) {
            return;
        }
        c.cut = true;
        open.remove(c.ctx);
        LOG.fine(() -> listener + ": closing a connection whose " + (head ? "headers" : "request body")
                + " stalled");
        // The connection's thread is blocked reading (headers, or a body no handler has answered
        // yet), so nothing else is writing: the caller learns why before the close.
        if (c.phase != Phase.ANSWER) {
            try {
                c.ctx.dataWriter().writeNow(BufferData.create(errors.rawResponse(408, ListenerErrors.describe(408))));
            } catch (RuntimeException ignored) {
                // the caller is gone
            }
        }
        closeQuietly(c.ctx.serverSocket());
    }

    /** Closes a socket whose peer may be gone already (TLS then fails to send its close_notify). */
    private static void closeQuietly(HelidonSocket s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "closing a connection failed", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.interrupt();
    }

    /** The only selector of a guarded listener: takes every connection at once, before any byte. */
    private final class Selector implements ServerConnectionSelector {
        private final ServerConnectionSelector http1;

        Selector(ServerConnectionSelector http1) {
            this.http1 = http1;
        }

        @Override
        public int bytesToIdentifyConnection() {
            return 0;
        }

        @Override
        public Support supports(BufferData request) {
            return Support.SUPPORTED;
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return http1.supportedApplicationProtocols();
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            return new Guarded(ctx, http1);
        }
    }

    private final class Guarded implements ServerConnection {
        private final Conn conn;
        private final ServerConnectionSelector http1;

        Guarded(ConnectionContext ctx, ServerConnectionSelector http1) {
            this.conn = new Conn(ctx);
            this.http1 = http1;
            open.put(ctx, conn);
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            CURRENT.set(conn);
            try {
                String refusal;
                try {
                    refusal = firstLine(conn.ctx.dataReader());
                } catch (DataReader.InsufficientDataAvailableException closed) {
                    // the peer closed before a whole request line (a load balancer's TCP check, a
                    // client giving up): an ordinary close, as Helidon's own HTTP/1 reader reports it,
                    // not an "unexpected exception" warning with a stack trace per connection
                    throw new CloseConnectionException("the peer closed the connection before a request line", closed);
                }
                if (refusal != null) {
                    int status = Integer.parseInt(refusal.substring(0, 3));
                    conn.phase = Phase.ANSWER;
                    conn.ctx.dataWriter().writeNow(BufferData.create(errors.rawResponse(status, refusal.substring(4))));
                    return;
                }
                ServerConnection h = http1.connection(new Observed(conn));
                conn.inner = h;
                h.handle(limit);
            } finally {
                CURRENT.remove();
                open.remove(conn.ctx);
            }
        }

        @Override
        public Duration idleTime() {
            ServerConnection h = conn.inner;
            return h != null ? h.idleTime() : Duration.ofNanos(System.nanoTime() - conn.opened);
        }

        @Override
        public void close(boolean interrupt) {
            ServerConnection h = conn.inner;
            if (h != null) {
                h.close(interrupt);
            } else {
                closeQuietly(conn.ctx.serverSocket());
            }
        }
    }

    /**
     * The connection as HTTP/1 sees it: every chunk it reads passes through here first. Helidon
     * 4.5 keeps a receive listener's {@code data} callback but never calls it, so this is where
     * body progress (it postpones the body deadline) and a later request's lower-case method are
     * seen. It reads the socket itself, as Helidon's reader would, once the refusal check's first
     * read is used up, so observing costs no copy.
     */
    private static final class Observed implements ConnectionContext {
        private final Conn conn;
        private final ConnectionContext d;
        private final DataReader reader;

        Observed(Conn conn) {
            this.conn = conn;
            this.d = conn.ctx;
            DataReader source = d.dataReader();
            HelidonSocket socket = d.serverSocket();
            this.reader = DataReader.create(() -> {
                // first what the refusal check's read of the first line left in Helidon's reader,
                // then the socket itself: a copy of each chunk less than reading through that reader
                byte[] chunk = source.available() > 0 ? source.readBytes(source.available()) : read(socket);
                if (chunk == null) {
                    return null; // the peer closed: DataReader reports it as Helidon's own reader would
                }
                Phase p = conn.phase;
                if (p == Phase.BODY) {
                    conn.since = System.nanoTime();
                    conn.received += chunk.length;
                    if (conn.expected >= 0 ? conn.received >= conn.expected : lastChunk(chunk)) {
                        // the whole body is in: from here the request is being answered (a streamed
                        // upload's upstream may take long before the first byte of its answer)
                        conn.phase = Phase.ANSWER;
                    }
                } else if (p == Phase.ANSWER && !conn.lowerMethod) {
                    // the first bytes after an answer start the next request
                    conn.lowerMethod = lowerMethod(chunk, 0, chunk.length);
                }
                return chunk;
            });
            conn.reader = reader;
        }

        /** A chunk off the socket, null at its end; failures as Helidon's own connection reader maps them. */
        private static byte[] read(HelidonSocket socket) {
            try {
                return socket.get();
            } catch (UncheckedIOException e) {
                throw new ServerConnectionException("Failed to get data from socket", e);
            }
        }

        @Override
        public io.helidon.webserver.ListenerContext listenerContext() {
            return d.listenerContext();
        }

        @Override
        public java.util.concurrent.ExecutorService executor() {
            return d.executor();
        }

        @Override
        public io.helidon.common.buffers.DataWriter dataWriter() {
            return d.dataWriter();
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public io.helidon.webserver.Router router() {
            return d.router();
        }

        @Override
        public java.util.Optional<io.helidon.webserver.ProxyProtocolData> proxyProtocolData() {
            return d.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return d.serverSocket();
        }

        @Override
        public io.helidon.common.socket.PeerInfo remotePeer() {
            return d.remotePeer();
        }

        @Override
        public io.helidon.common.socket.PeerInfo localPeer() {
            return d.localPeer();
        }

        @Override
        public boolean isSecure() {
            return d.isSecure();
        }

        @Override
        public String socketId() {
            return d.socketId();
        }

        @Override
        public String childSocketId() {
            return d.childSocketId();
        }
    }

    /**
     * Reads (without consuming) the first request line; null when it is HTTP/1.1 with an
     * upper-case method, else {@code "<status> <message>"}.
     */
    static String firstLine(DataReader reader) {
        reader.ensureAvailable();
        while (true) {
            int available = reader.available();
            BufferData buf = reader.getBuffer(available);
            int lf = buf.indexOf((byte) '\n');
            if (lf < 0) {
                if (available > MAX_PROLOGUE) {
                    return "414 request line longer than " + MAX_PROLOGUE + " bytes";
                }
                reader.pullData();
                continue;
            }
            if (lf > MAX_PROLOGUE) {
                return "414 request line longer than " + MAX_PROLOGUE + " bytes";
            }
            byte[] line = new byte[lf];
            buf.read(line);
            return judge(new String(line, StandardCharsets.ISO_8859_1));
        }
    }

    /** The verdict on one request line (without its LF); see {@link #firstLine}. */
    static String judge(String line) {
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (l.startsWith("PRI * HTTP/2")) {
            return "505 HTTP/2 with prior knowledge is not supported: use HTTP/1.1";
        }
        int sp1 = l.indexOf(' ');
        int sp2 = l.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 <= sp1) {
            return "400 malformed request line";
        }
        String version = l.substring(sp2 + 1);
        if (!version.equals("HTTP/1.1")) {
            if (version.matches("HTTP/[0-9]\\.[0-9]")) {
                return "505 " + version + " is not supported: use HTTP/1.1";
            }
            return "400 malformed request line";
        }
        return methodOk(l, sp1) ? null : "400 the method must be an upper-case token (RFC 9110 section 9.1)";
    }

    private static boolean methodOk(CharSequence s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c < 'A' || c > 'Z') {
                return false;
            }
        }
        return end > 0;
    }

    /** Phase changes seen on the receiving side: request line, headers, body bytes. */
    private final class Receive implements Http1ConnectionListener {
        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            Conn c = CURRENT.get();
            if (c == null) {
                return;
            }
            if (c.lowerMethod) {
                c.lowerMethod = false;
                throw RequestException.builder()
                        .type(DirectHandler.EventType.BAD_REQUEST)
                        .status(Status.BAD_REQUEST_400)
                        .setKeepAlive(false)
                        .safeMessage(true)
                        .message("the method must be an upper-case token (RFC 9110 section 9.1)")
                        .build();
            }
            c.closeAfter = false;
            if (c.phase == Phase.ANSWER) { // a later request on a kept-alive connection
                c.phase = Phase.HEAD;
                c.since = System.nanoTime();
            }
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            Conn c = CURRENT.get();
            if (c == null) {
                return;
            }
            boolean chunked = headers.contains(HeaderValues.TRANSFER_ENCODING_CHUNKED);
            long length = -1;
            if (!chunked && headers.contains(HeaderNames.CONTENT_LENGTH)) {
                try {
                    length = Long.parseLong(headers.get(HeaderNames.CONTENT_LENGTH).get().trim());
                } catch (NumberFormatException e) {
                    length = -1; // Helidon refuses it next
                }
            }
            // what HTTP/1 read along with the headers is already body
            DataReader r = c.reader;
            c.received = r == null ? 0 : r.available();
            c.expected = length;
            c.since = System.nanoTime();
            boolean entity = chunked || length > 0;
            c.phase = entity && (length < 0 || c.received < length) ? Phase.BODY : Phase.ANSWER;
        }

    }

    /**
     * True when a chunk read inside a chunked body ends with its last chunk ({@code 0} CRLF CRLF,
     * no trailers): a heuristic, a body that ends otherwise stays timed until its answer begins.
     */
    static boolean lastChunk(byte[] b) {
        int n = b.length;
        return n >= 5 && b[n - 1] == '\n' && b[n - 2] == '\r' && b[n - 3] == '\n' && b[n - 4] == '\r' && b[n - 5] == '0'
                && (n == 5 || b[n - 6] == '\n');
    }

    /**
     * True when {@code bytes} start a request line whose method has a lower-case letter
     * ({@code post /v1/...}): Helidon would take it as {@code POST}.
     */
    static boolean lowerMethod(byte[] bytes, int offset, int length) {
        boolean lower = false;
        int end = offset + Math.min(length, 20);
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == ' ') {
                return lower && i > offset && i + 1 < offset + length && bytes[i + 1] == '/';
            }
            if (b >= 'a' && b <= 'z') {
                lower = true;
            } else if (b < 'A' || b > 'Z') {
                return false;
            }
        }
        return false;
    }

    /** The answer has begun: nothing on this connection is timed until its next request line. */
    private static final class Send implements Http1ConnectionListener {
        @Override
        public void status(ConnectionContext ctx, Status status) {
            Conn c = CURRENT.get();
            if (c != null) {
                c.phase = Phase.ANSWER;
            }
        }
    }

    /**
     * Marks the listener's protocols as configured: without it Helidon would add a selector of
     * its own for every protocol found on the class path, beside the guard.
     */
    private record GuardProtocol(String name, String type) implements ProtocolConfig {
        static final GuardProtocol INSTANCE = new GuardProtocol("aisix-guard", "aisix-guard");
    }
}
