package io.aisix.kernel.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw-socket HTTP for abuse tests: sends bytes exactly as given (no client library fixes them
 * up), reads whatever comes back until the server closes or a bound passes, and reports what a
 * hostile client would see: the status lines, the first body, whether and when the connection
 * was closed. Also the shared corpus of malformed requests ({@link #corpus}) the kernel's and the
 * distribution's abuse suites send.
 */
public final class RawHttp {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    private RawHttp() {
    }

    /**
     * What one connection saw.
     *
     * @param statuses  status codes of every response read, in order
     * @param raw       everything read
     * @param closed    true when the server closed the connection (EOF or reset) within the bound
     * @param elapsed   from the first byte sent to the close (or the bound)
     */
    public record Exchange(List<Integer> statuses, String raw, boolean closed, Duration elapsed) {
        public int status() {
            return statuses.isEmpty() ? -1 : statuses.getFirst();
        }

        /** The first response's body (after the blank line), or "". */
        public String body() {
            int i = raw.indexOf("\r\n\r\n");
            if (i < 0) {
                return "";
            }
            String rest = raw.substring(i + 4);
            int next = rest.indexOf("HTTP/1.1 ");
            return next > 0 ? rest.substring(0, next) : rest;
        }

        public boolean header(String name, String value) {
            int end = raw.indexOf("\r\n\r\n");
            String head = (end < 0 ? raw : raw.substring(0, end)).toLowerCase();
            return head.contains("\r\n" + name.toLowerCase() + ": " + value.toLowerCase());
        }

        @Override
        public String toString() {
            return "statuses=" + statuses + " closed=" + closed + " elapsed=" + elapsed.toMillis() + "ms raw="
                    + (raw.length() > 600 ? raw.substring(0, 600) + "..." : raw);
        }
    }

    /** Sends {@code request}, then reads until the server closes or {@code bound} passes. */
    public static Exchange send(int port, byte[] request, Duration bound) {
        return send(port, request, bound, Duration.ZERO);
    }

    /**
     * Sends {@code request}, waits {@code pause}, then reads until the server closes or
     * {@code bound} (counted from the start) passes.
     */
    public static Exchange send(int port, byte[] request, Duration bound, Duration pause) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may refuse early (a closed connection while we still write): read what it said
            }
            if (!pause.isZero()) {
                Thread.sleep(pause);
            }
            return read(s, start, bound);
        } catch (IOException e) {
            throw new IllegalStateException("cannot connect to 127.0.0.1:" + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads from an open socket until EOF, reset or {@code bound} from {@code startNanos}. */
    public static Exchange read(Socket s, long startNanos, Duration bound) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean closed = false;
        InputStream in = s.getInputStream();
        byte[] buf = new byte[16384];
        while (true) {
            long left = bound.toMillis() - (System.nanoTime() - startNanos) / 1_000_000;
            if (left <= 0) {
                break;
            }
            s.setSoTimeout((int) Math.max(1, left));
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
                closed = true; // reset
                break;
            }
        }
        String raw = got.toString(StandardCharsets.ISO_8859_1);
        List<Integer> statuses = new ArrayList<>();
        Matcher m = STATUS.matcher(raw);
        while (m.find()) {
            statuses.add(Integer.parseInt(m.group(1)));
        }
        return new Exchange(statuses, raw, closed, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A request with a body and its Content-Length. */
    public static byte[] post(String path, String extraHeaders, byte[] body) {
        byte[] head = ascii("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extraHeaders
                + "Content-Length: " + body.length + "\r\n\r\n");
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /**
     * One malformed or hostile request of the corpus.
     *
     * @param name     what it probes
     * @param bytes    what is sent
     * @param complete true when the request is fully sent (an answer is due at once); false when
     *                 it stalls (the server must end it within its header or body timeout)
     */
    public record Case(String name, byte[] bytes, boolean complete) {
    }

    /** The fixed cases both listeners must survive, {@code auth} sent as extra header lines. */
    public static List<Case> corpus(String path, String auth) {
        List<Case> c = new ArrayList<>();
        String h = "Host: x\r\n" + auth;
        c.add(new Case("http/1.0", ascii("GET " + path + " HTTP/1.0\r\n\r\n"), true));
        c.add(new Case("http/1.0 post", ascii("POST " + path + " HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"), true));
        c.add(new Case("h2 prior knowledge", ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), true));
        c.add(new Case("unknown version", ascii("GET " + path + " HTTP/7.3\r\n" + h + "\r\n"), true));
        c.add(new Case("garbage line", ascii("\u0016\u0003\u0001garbage\r\n\r\n"), true));
        c.add(new Case("no version", ascii("GET " + path + "\r\n\r\n"), true));
        c.add(new Case("9 KB url", ascii("GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\n" + h + "\r\n"), true));
        c.add(new Case("lowercase method", post(path, auth, ascii("{}")).clone(), true));
        byte[] lower = c.getLast().bytes();
        System.arraycopy(ascii("post"), 0, lower, 0, 4);
        c.add(new Case("bad header name", ascii("GET " + path + " HTTP/1.1\r\n" + h + "Bad Header: y\r\n\r\n"), true));
        c.add(new Case("huge header", ascii("GET " + path + " HTTP/1.1\r\n" + h + "X-A: " + "a".repeat(40_000)
                + "\r\n\r\n"), true));
        c.add(new Case("many headers", ascii("GET " + path + " HTTP/1.1\r\n" + h + "X-B: 1\r\n".repeat(3000)
                + "\r\n"), true));
        c.add(new Case("cl+te", ascii("POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), true));
        c.add(new Case("two content-lengths", ascii("POST " + path + " HTTP/1.1\r\n" + h + "Content-Length: 2\r\n"
                + "Content-Length: 40\r\n\r\n{}"), true));
        c.add(new Case("negative content-length", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Content-Length: -5\r\n\r\n{}"), true));
        c.add(new Case("non-numeric content-length", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Content-Length: abc\r\n\r\n{}"), true));
        c.add(new Case("invalid chunk size", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"), true));
        c.add(new Case("bad chunk terminator", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nxx\r\n\r\n"), true));
        c.add(new Case("smuggled request after body", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Content-Length: 2\r\n\r\n{}GET /admin/v1/provider_keys HTTP/1.1\r\nHost: x\r\n\r\n"), true));
        c.add(new Case("te obfuscated", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}"), true));
        c.add(new Case("deep json", post(path, auth, ascii("[".repeat(5000) + "]".repeat(5000))), true));
        c.add(new Case("long number", post(path, auth, ascii("{\"model\":\"m\",\"n\":" + "9".repeat(2000) + "}")), true));
        c.add(new Case("trailing data", post(path, auth, ascii("{\"model\":\"m\"} trailing")), true));
        c.add(new Case("invalid utf-8", post(path, auth, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28,
                '"', '}'}), true));
        c.add(new Case("not json", post(path, auth, ascii("hello")), true));
        c.add(new Case("stalled request line", ascii("GET " + path + " HT"), false));
        c.add(new Case("stalled headers", ascii("GET " + path + " HTTP/1.1\r\n" + h), false));
        c.add(new Case("short content-length", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Content-Length: 100\r\n\r\n{\"model\""), false));
        c.add(new Case("unfinished chunked body", ascii("POST " + path + " HTTP/1.1\r\n" + h
                + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":"), false));
        c.add(new Case("silent connection", new byte[0], false));
        return c;
    }

    /**
     * {@code count} randomised malformed requests from {@code seed}: valid-looking requests with
     * bytes flipped, cut, duplicated or replaced at random places, and random header soup.
     */
    public static List<Case> fuzz(long seed, int count, String path, String auth) {
        Random r = new Random(seed);
        String[] bodies = {
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"m\",\"messages\":\"hi\"}", "{\"model\":null}", "{\"model\":\"m\",\"max_tokens\":-1}",
                "{\"model\":\"m\",\"stream\":\"yes\"}", "{\"model\":\"m\",\"n\":1e400}", "[]", "{}", "null",
                "{\"model\":\"m\",\"tools\":{}}", "{\"model\":\"m\",\"input\":42}",
        };
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = bodies[r.nextInt(bodies.length)];
            String req = "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body;
            byte[] b = ascii(req);
            int mutations = 1 + r.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                switch (r.nextInt(6)) {
                    case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256); // flip a byte
                    case 1 -> { // cut the tail: the server must time the rest out
                        int keep = Math.max(1, r.nextInt(b.length));
                        byte[] c = new byte[keep];
                        System.arraycopy(b, 0, c, 0, keep);
                        b = c;
                    }
                    case 2 -> { // duplicate a slice
                        int from = r.nextInt(b.length);
                        int len = Math.min(b.length - from, 1 + r.nextInt(64));
                        byte[] c = new byte[b.length + len];
                        System.arraycopy(b, 0, c, 0, from + len);
                        System.arraycopy(b, from, c, from + len, b.length - from);
                        b = c;
                    }
                    case 3 -> b[r.nextInt(b.length)] = (byte) "\r\n :\0\t".charAt(r.nextInt(6));
                    case 4 -> { // header soup after the request line
                        String soup = "X-" + r.nextInt(1000) + ": " + "v".repeat(r.nextInt(200)) + "\r\n";
                        String s = new String(b, StandardCharsets.ISO_8859_1);
                        int at = s.indexOf("\r\n") < 0 ? s.length() : s.indexOf("\r\n") + 2;
                        b = ascii(s.substring(0, at) + soup + s.substring(at));
                    }
                    default -> { // utf-8 junk in the body
                        int at = r.nextInt(b.length);
                        b[at] = (byte) (0x80 | r.nextInt(0x40));
                    }
                }
            }
            out.add(new Case("fuzz #" + i, b, false));
        }
        return out;
    }
}
