package io.aisix.kernel.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} for tests: loopback only, a random free port, a temp working folder,
 * no persistence.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     String url = redis.url();                 // redis://127.0.0.1:<port>/0
 *     redis.command("FLUSHALL");                // raw RESP, like redis-cli
 * }
 * }</pre>
 *
 * {@link #kill()} stops it hard (SIGKILL), {@link #restart()} starts it again on the same port
 * (empty: nothing is persisted), {@link #close()} (and a shutdown hook, should a test forget) kills it
 * and deletes the folder.
 */
public final class RedisServer implements AutoCloseable {
    private static final String INSTALL_HINT = "redis-server not found on PATH. Install Redis 7 "
            + "(Debian/Ubuntu: apt-get install -y redis-server).";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final String binary;
    private final int port;
    private final Thread cleanupHook;
    private volatile Process process;

    private RedisServer(Path dir, String binary, int port) {
        this.dir = dir;
        this.binary = binary;
        this.port = port;
        this.cleanupHook = new Thread(this::destroyAndDelete, "redis-test-cleanup");
    }

    public static RedisServer start() {
        String binary = LocalProcesses.onPath("redis-server", INSTALL_HINT);
        Path dir = LocalProcesses.tempDir("aisix-redis-");
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken between probe and bind
            RedisServer s = new RedisServer(dir, binary, LocalProcesses.freePort());
            Runtime.getRuntime().addShutdownHook(s.cleanupHook);
            try {
                s.launch();
                return s;
            } catch (IllegalStateException e) {
                last = e;
                LocalProcesses.kill(s.process);
                Runtime.getRuntime().removeShutdownHook(s.cleanupHook);
            }
        }
        LocalProcesses.deleteTree(dir);
        throw last;
    }


    private void launch() {
        ProcessBuilder pb = new ProcessBuilder(binary, "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; log:\n"
                        + tail());
            }
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            LocalProcesses.sleep(20);
        }
        throw new IllegalStateException("redis-server did not answer PING within " + START_TIMEOUT + "; log:\n" + tail());
    }

    private String tail() {
        return LocalProcesses.logTail(dir.resolve("redis.log"), 30);
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>/0}. */
    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Stops Redis hard (SIGKILL), as a crash would. */
    public synchronized void kill() {
        LocalProcesses.kill(process);
    }

    /** Starts Redis again on the same port (empty). */
    public synchronized void restart() {
        if (running()) {
            throw new IllegalStateException("still running");
        }
        launch();
    }

    /**
     * Sends one command and returns the reply: a String for simple and bulk strings (null for a nil),
     * a Long for integers, a List for arrays.
     *
     * @throws IllegalStateException for an error reply
     * @throws UncheckedIOException  when Redis cannot be reached
     */
    public Object command(String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                req.writeBytes(b);
                req.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(req.toByteArray());
            out.flush();
            return read(new BufferedInputStream(s.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        return switch (type) {
            case '+' -> line;
            case '-' -> throw new IllegalStateException(line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield null;
                }
                byte[] b = in.readNBytes(n);
                line(in);
                yield new String(b, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                List<Object> items = new ArrayList<>(Math.max(0, n));
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                yield items;
            }
            default -> throw new IOException("unexpected RESP type " + type);
        };
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            sb.append((char) c);
        }
        in.read(); // \n
        return sb.toString();
    }

    private void destroyAndDelete() {
        LocalProcesses.kill(process);
        LocalProcesses.deleteTree(dir);
    }

    @Override
    public void close() {
        destroyAndDelete();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }
}
