package io.aisix.kernel.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP egress proxy that records what reaches it. {@code CONNECT host:port} opens a
 * real tunnel to that address (loopback targets only) and relays bytes both ways; any other
 * request (a plain-HTTP upstream's request in absolute form) is recorded with its head and
 * answered by the proxy itself with {@link #PLAIN_ANSWER} and {@code Connection: close}. With
 * {@link #requireCredentials} set, requests without that {@code Proxy-Authorization} get a 407;
 * once {@link #silent}, requests are recorded and never answered (a hung proxy).
 */
public final class ConnectProxy implements AutoCloseable {
    public static final String PLAIN_ANSWER = "{\"answered_by\":\"proxy\"}";

    /** A request head as the proxy received it: the request line and the header lines. */
    public record Seen(String requestLine, List<String> headers) {
        /** The first value of a header (case-insensitive name), or null. */
        public String header(String name) {
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return h.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private final ServerSocket server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile String requiredAuthorization;
    private volatile boolean silent;

    private ConnectProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("test-connect-proxy").start(this::accept);
    }

    public static ConnectProxy start() {
        try {
            return new ConnectProxy();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Answers 407 to requests without exactly this {@code Proxy-Authorization} value. */
    public ConnectProxy requireCredentials(String authorization) {
        this.requiredAuthorization = authorization;
        return this;
    }

    /** Records requests from now on and answers none, holding their connections open until closed. */
    public ConnectProxy silent() {
        this.silent = true;
        return this;
    }

    /** Every request head received, in order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Client connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.add(client);
                if (closed) {
                    // accepted from the backlog after close() began: close() may have passed it by
                    client.close();
                    return;
                }
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            Seen head = readHead(in);
            if (head == null) {
                return;
            }
            seen.add(head);
            if (silent) {
                in.transferTo(OutputStream.nullOutputStream()); // until the client or close() ends it
                return;
            }
            String required = requiredAuthorization;
            if (required != null && !required.equals(head.header("proxy-authorization"))) {
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            String[] parts = head.requestLine().split(" ");
            if (!parts[0].equals("CONNECT")) {
                byte[] body = PLAIN_ANSWER.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                return;
            }
            int colon = parts[1].lastIndexOf(':');
            String host = parts[1].substring(0, colon).replace("[", "").replace("]", "");
            InetAddress address = InetAddress.getByName(host);
            if (!address.isLoopbackAddress()) {
                out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            try (Socket target = new Socket()) {
                target.connect(new InetSocketAddress(address, Integer.parseInt(parts[1].substring(colon + 1))), 5000);
                open.add(target);
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread back = Thread.ofVirtual().start(() -> relay(target, client));
                relay(client, target);
                back.join();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the test is over or a side went away: the connection ends
        } finally {
            open.remove(client);
        }
    }

    /** Copies one side to the other until it ends, then ends the other's output. */
    private static void relay(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // a side closed
        }
        try {
            to.shutdownOutput();
        } catch (IOException e) {
            // closed already
        }
    }

    private static Seen readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            buf.write(b);
            String s = buf.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                List<String> lines = new ArrayList<>(List.of(s.substring(0, s.length() - 4).split("\r\n")));
                String requestLine = lines.remove(0);
                return new Seen(requestLine, List.copyOf(lines));
            }
            if (buf.size() > 64 * 1024) {
                throw new IOException("head too large");
            }
        }
        return null;
    }

    /**
     * Stops listening and closes every connection. Returns only once the listening socket is
     * really closed: the JDK defers closing it until the thread blocked in {@code accept} leaves,
     * and until then the kernel still completes connects into its backlog (a CI run saw a request
     * tunnelled through a proxy that had been "closed").
     */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed
        }
        try {
            acceptor.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closed
            }
        }
    }
}
