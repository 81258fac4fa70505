package io.aisix.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load harness's streaming upstream: OpenAI chat streams ({@code POST .../chat/completions}
 * with {@code "stream": true}) served by one thread over non-blocking sockets, each frame written
 * when it is due.
 *
 * <p>The testkit {@link MockUpstream} paces a stream with a virtual thread that sleeps between
 * frames; at 512 streams of a frame every 20 ms that cost ~21-30 µs of CPU per frame (a timer, a
 * wake-up, a flush), about as much as the gateway it feeds, on the same two cores. Here a frame
 * costs one {@code write} call. The frames are the testkit's own
 * ({@link MockUpstream#openAiChatStreamFrames}): a role chunk sent with the response head, the
 * deltas {@code deltaMs} apart, the finish chunk, the usage chunk when the request asks for it
 * ({@code stream_options.include_usage}) and {@code [DONE]}, each as one HTTP/1.1 chunk.
 * Connections are kept alive for the next request. Requests that do not stream get a 400.
 */
public final class StreamMock implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_REQUEST = 1 << 20;

    private final Script script;
    private final long deltaNanos;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread loop;
    private final PriorityQueue<Conn> due = new PriorityQueue<>((a, b) -> Long.compare(a.dueAt, b.dueAt));
    private final Map<String, byte[][]> chunksByRequest = new HashMap<>();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong streamsCompleted = new AtomicLong();
    private volatile boolean closed;

    private StreamMock(Script script, long deltaMs) throws IOException {
        this.script = script;
        this.deltaNanos = TimeUnit.MILLISECONDS.toNanos(deltaMs);
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.loop = new Thread(this::run, "stream-mock");
        loop.setDaemon(true);
        loop.start();
    }

    /** Listens on a random loopback port; every stream carries {@code script}'s text, {@code deltaMs} apart. */
    public static StreamMock start(Script script, long deltaMs) throws IOException {
        return new StreamMock(script, deltaMs);
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    /** Frames written so far, over all streams. */
    public long framesSent() {
        return framesSent.get();
    }

    /** Streams written to their end. */
    public long streamsCompleted() {
        return streamsCompleted.get();
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (selector; server) {
            while (!closed) {
                Conn next = due.peek();
                long wait = next == null ? 0 : next.dueAt - System.nanoTime();
                if (next != null && wait <= 0) {
                    selector.selectNow();
                } else {
                    // select(0) would block without end; round up so a frame is never early
                    selector.select(next == null ? 1000 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    handle(k);
                }
                selector.selectedKeys().clear();
                sendDueFrames();
            }
        } catch (IOException e) {
            if (!closed) {
                throw new UncheckedIOException(e);
            }
        } catch (ClosedSelectorException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private void handle(SelectionKey k) throws IOException {
        if (!k.isValid()) {
            return;
        }
        if (k.isAcceptable()) {
            SocketChannel ch;
            while ((ch = server.accept()) != null) {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.register(selector, SelectionKey.OP_READ, new Conn(ch));
            }
            return;
        }
        Conn c = (Conn) k.attachment();
        try {
            if (k.isWritable()) {
                c.flush();
            }
            if (k.isValid() && k.isReadable()) {
                c.read();
            }
        } catch (IOException | RuntimeException e) {
            c.close(); // the client went away, or sent something this mock does not speak
        }
    }

    private void sendDueFrames() {
        long now = System.nanoTime();
        Conn c;
        while ((c = due.peek()) != null && c.dueAt <= now) {
            due.poll();
            if (c.closed) {
                continue;
            }
            try {
                c.sendFrame();
            } catch (IOException e) {
                c.close();
            }
        }
    }

    /** The stream's frames, each as one HTTP chunk; the last one carries the terminating chunk too. */
    private byte[][] chunks(String model, boolean includeUsage) {
        return chunksByRequest.computeIfAbsent(model + '\n' + includeUsage, key -> {
            List<byte[]> frames = MockUpstream.openAiChatStreamFrames(script, model, includeUsage);
            byte[][] chunks = new byte[frames.size()][];
            for (int i = 0; i < chunks.length; i++) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                byte[] f = frames.get(i);
                b.writeBytes((Integer.toHexString(f.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                b.writeBytes(f);
                b.writeBytes(new byte[] {'\r', '\n'});
                if (i == chunks.length - 1) {
                    b.writeBytes(LAST_CHUNK);
                }
                chunks[i] = b.toByteArray();
            }
            return chunks;
        });
    }

    /** One connection: reads a request, then streams its answer, then reads the next request. */
    private final class Conn {
        final SocketChannel ch;
        ByteBuffer in = ByteBuffer.allocate(4096);
        ByteBuffer out = ByteBuffer.allocate(4096).flip();
        byte[][] chunks;
        int next;
        long dueAt;
        boolean closed;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        void read() throws IOException {
            if (!in.hasRemaining()) {
                if (in.capacity() >= MAX_REQUEST) {
                    throw new IOException("request over " + MAX_REQUEST + " bytes");
                }
                in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
            }
            if (ch.read(in) < 0) {
                close();
                return;
            }
            if (chunks == null) {
                request();
            }
        }

        /** Starts the answer once a whole request is in: head, body by its Content-Length. */
        private void request() throws IOException {
            byte[] b = in.array();
            int end = headEnd(b, in.position());
            if (end < 0) {
                return;
            }
            String head = new String(b, 0, end, StandardCharsets.ISO_8859_1);
            int length = contentLength(head);
            if (in.position() < end + length) {
                return;
            }
            JsonNode body = JSON.readTree(b, end, length);
            int consumed = end + length;
            in.flip().position(consumed);
            in.compact();
            if (!head.startsWith("POST ") || !body.path("stream").asBoolean(false)) {
                byte[] error = "{\"error\":{\"message\":\"the stream mock only streams\",\"type\":\"invalid_request_error\"}}"
                        .getBytes(StandardCharsets.UTF_8);
                append(("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: "
                        + error.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                append(error);
                flush();
                return;
            }
            chunks = chunks(body.path("model").asText("gpt-mock"),
                    body.path("stream_options").path("include_usage").asBoolean(false));
            next = 0;
            append(HEAD);
            dueAt = System.nanoTime();
            sendFrame();
        }

        void sendFrame() throws IOException {
            append(chunks[next++]);
            framesSent.incrementAndGet();
            if (next == chunks.length) {
                chunks = null;
                streamsCompleted.incrementAndGet();
            } else {
                dueAt += deltaNanos;
                due.add(this);
            }
            flush();
            if (chunks == null && in.position() > 0) {
                request(); // a request sent while the previous answer streamed
            }
        }

        private void append(byte[] bytes) {
            if (out.capacity() - out.limit() < bytes.length) {
                out.compact();
                if (out.remaining() < bytes.length) {
                    out = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + bytes.length))
                            .put(out.flip());
                }
                out.flip();
            }
            int start = out.position();
            out.position(out.limit()).limit(out.limit() + bytes.length);
            out.put(bytes).position(start);
        }

        void flush() throws IOException {
            ch.write(out);
            SelectionKey key = ch.keyFor(selector);
            int ops = out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key != null && key.isValid() && key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }

        void close() {
            closed = true;
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do: the connection is gone either way
            }
        }
    }

    private static int headEnd(byte[] b, int limit) {
        for (int i = 3; i < limit; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private static int contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding")) {
            throw new IOException("the stream mock reads bodies by Content-Length only");
        }
        return 0;
    }
}
