package io.aisix.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak's hostile client (benchmarks/soak/run.sh): for {@code --seconds}, against the proxy and
 * the admin listener, keeps {@code --slow} half-sent (slowloris) connections open (reopening those
 * the gateway cuts) and sends malformed requests, {@code --parallel} at a time: other HTTP
 * versions, bad framing, oversized lines and headers, bad JSON, stalled bodies and randomly
 * mutated requests. Counts what came back and prints one JSON line at the end:
 * {@code {"requests", "answered", "cut_without_answer", "status_5xx", "hung", "slowloris_cut"}}.
 * A hung request is one the gateway neither answered nor closed within {@code --bound-ms} (keep it
 * above the header and body timeouts); an answered one on a kept-alive connection is not waited
 * for beyond a second more.
 *
 * <pre>java -cp benchmarks.jar io.aisix.bench.load.Abuser --proxy PORT --admin PORT --admin-key KEY
 *     --seconds 1800 [--slow 200] [--parallel 16] [--bound-ms 45000] [--seed 18]</pre>
 */
public final class Abuser {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    private final int proxy;
    private final int admin;
    private final String adminKey;
    private final long boundMs;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();
    private final AtomicLong server5xx = new AtomicLong();
    private final AtomicLong hung = new AtomicLong();
    private final AtomicLong slowCut = new AtomicLong();

    private Abuser(int proxy, int admin, String adminKey, long boundMs) {
        this.proxy = proxy;
        this.admin = admin;
        this.adminKey = adminKey;
        this.boundMs = boundMs;
    }

    public static void main(String[] args) throws Exception {
        int proxy = 0;
        int admin = 0;
        String key = "";
        long seconds = 60;
        int slow = 200;
        int parallel = 16;
        long bound = 45_000;
        long seed = 18;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--proxy" -> proxy = Integer.parseInt(args[i + 1]);
                case "--admin" -> admin = Integer.parseInt(args[i + 1]);
                case "--admin-key" -> key = args[i + 1];
                case "--seconds" -> seconds = Long.parseLong(args[i + 1]);
                case "--slow" -> slow = Integer.parseInt(args[i + 1]);
                case "--parallel" -> parallel = Integer.parseInt(args[i + 1]);
                case "--bound-ms" -> bound = Long.parseLong(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        new Abuser(proxy, admin, key, bound).run(seconds, slow, parallel, seed);
    }

    private void run(long seconds, int slow, int parallel, long seed) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread slowloris = Thread.ofVirtual().start(() -> slowloris(slow, end));
        Semaphore permits = new Semaphore(parallel);
        Random r = new Random(seed);
        ConcurrentLinkedQueue<Thread> running = new ConcurrentLinkedQueue<>();
        while (System.nanoTime() < end) {
            boolean toAdmin = r.nextInt(4) == 0;
            int port = toAdmin ? admin : proxy;
            String path = toAdmin ? "/admin/v1/models" : "/v1/chat/completions";
            String auth = toAdmin ? "Authorization: Bearer " + adminKey + "\r\n" : "Authorization: Bearer sk-abuser\r\n";
            byte[] req = r.nextBoolean() ? fixed(r, path, auth) : mutated(r, path, auth);
            permits.acquire();
            running.add(Thread.ofVirtual().start(() -> {
                try {
                    one(port, req);
                } finally {
                    permits.release();
                }
            }));
            running.removeIf(t -> !t.isAlive());
        }
        for (Thread t : running) {
            t.join();
        }
        slowloris.join();
        System.out.printf("{\"requests\":%d,\"answered\":%d,\"cut_without_answer\":%d,\"status_5xx\":%d,\"hung\":%d,"
                + "\"slowloris_cut\":%d}%n", requests.get(), answered.get(), cut.get(), server5xx.get(), hung.get(),
                slowCut.get());
    }

    /** Holds {@code n} half-sent connections; each one the gateway closes is counted and reopened. */
    private void slowloris(int n, long end) {
        List<Socket> open = new ArrayList<>();
        byte[] head = ascii("GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        try {
            while (System.nanoTime() < end) {
                while (open.size() < n) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", open.size() % 2 == 0 ? proxy : admin), 5000);
                        s.getOutputStream().write(head);
                        s.setSoTimeout(1);
                        open.add(s);
                    } catch (IOException e) {
                        s.close();
                        break; // the listener is at its connection cap: try again next round
                    }
                }
                Thread.sleep(1000);
                for (var it = open.iterator(); it.hasNext();) {
                    Socket s = it.next();
                    try {
                        s.getOutputStream().write('a'); // one byte a second: never enough to finish
                        if (s.getInputStream().read() < 0) {
                            throw new IOException("closed");
                        }
                    } catch (SocketTimeoutException stillOpen) {
                        continue;
                    } catch (IOException closed) {
                        // cut by the gateway (408 then close, or a reset)
                    }
                    slowCut.incrementAndGet();
                    s.close();
                    it.remove();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the end
        } finally {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }

    private void one(int port, byte[] req) {
        requests.incrementAndGet();
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            try {
                s.getOutputStream().write(req);
            } catch (IOException refusedEarly) {
                // read what the gateway said before it closed
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            boolean closed = false;
            long deadline = boundMs;
            while (true) {
                if (deadline == boundMs && got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    // answered: a kept-alive connection is the caller's to close; wait a moment for more
                    deadline = Math.min(boundMs, (System.nanoTime() - start) / 1_000_000 + 1000);
                }
                long left = deadline - (System.nanoTime() - start) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                s.setSoTimeout((int) left);
                try {
                    int n = in.read(buf);
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    got.write(buf, 0, n);
                } catch (SocketTimeoutException e) {
                    break;
                } catch (IOException e) {
                    closed = true;
                    break;
                }
            }
            Matcher m = STATUS.matcher(got.toString(StandardCharsets.ISO_8859_1));
            boolean any = false;
            while (m.find()) {
                any = true;
                int status = Integer.parseInt(m.group(1));
                if (status >= 500 && status != 505) {
                    server5xx.incrementAndGet();
                }
            }
            if (any) {
                answered.incrementAndGet();
            } else if (!closed) {
                hung.incrementAndGet(); // neither answered nor closed within the bound
            } else {
                cut.incrementAndGet();
            }
        } catch (IOException e) {
            cut.incrementAndGet(); // refused at connect: the listener is at its cap
        }
    }

    private static byte[] fixed(Random r, String path, String auth) {
        String h = "Host: x\r\n" + auth;
        String[] cases = {
                "GET " + path + " HTTP/1.0\r\n\r\n",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n" + h + "\r\n",
                "GET " + path + " HTTP/1.1\r\n" + h + "X-A: " + "a".repeat(40_000) + "\r\n\r\n",
                "POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST " + path + " HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
                "post " + path + " HTTP/1.1\r\n" + h + "Content-Length: 2\r\n\r\n{}",
                "POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 100000000\r\n\r\n" + "{".repeat(1000),
                "POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 100\r\n\r\n{\"model\"",
                "POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 10000\r\n\r\n" + "[".repeat(5000) + "]".repeat(5000),
                "POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 27\r\n\r\n{\"model\":\"m\",\"messages\":7}",
                "POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 21\r\n\r\n{\"model\":\"m\"} garbage",
                "GET " + path + " HT",
        };
        return ascii(cases[r.nextInt(cases.length)]);
    }

    private static byte[] mutated(Random r, String path, String auth) {
        String body = "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"hi " + r.nextInt() + "\"}]}";
        byte[] b = ascii("POST " + path + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        for (int m = 1 + r.nextInt(3); m > 0; m--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(3)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b[at] = (byte) "\r\n :\0\t".charAt(r.nextInt(6));
                default -> {
                    byte[] c = new byte[Math.max(1, at)];
                    System.arraycopy(b, 0, c, 0, c.length);
                    b = c;
                }
            }
        }
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
