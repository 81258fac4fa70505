package io.aisix.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load harness's streaming client: opens {@code --streams} connections, then sends every
 * {@code "stream": true} chat request at the same instant (raw HTTP/1.1, every connection on one
 * selector thread, so the client adds no framework latency and little CPU) and times each event
 * as it arrives.
 *
 * <p>{@code --warmup-rounds} rounds (default 1) of {@code --warmup} streams (default 32) run first
 * in the same JVM, a second apart, so the client's own code is compiled before the measured
 * rounds (and, at full size, the server's connection set-up paths too); their stall counts are
 * reported under {@code warmup_stalls}. With {@code --rounds N} it measures N bursts a second
 * apart and reports the one with the median stall count, with every round's counts alongside.
 *
 * <p>Reports, as one JSON object on stdout: how many streams completed cleanly ({@code [DONE]}),
 * time to first token (request written to first {@code data:} event), the inter-event gaps, and
 * <b>stalls</b>: gaps between two consecutive events of one stream longer than
 * {@code --stall-ms} (default 100 ms, five times the mock's 20 ms cadence: a stream that
 * stalled was held back by at least four events' worth of time). {@code stalls_in_first_second}
 * counts the stalls that ended within one second of the requests being sent, while the server
 * was still admitting the burst of simultaneous requests.
 *
 * <p>Run by {@code benchmarks/load/run.sh}; by hand:
 * {@code java -cp benchmarks/target/benchmarks.jar io.aisix.bench.load.StreamClient --port 3000 --key sk-... --model bench --streams 512}
 */
public final class StreamClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamClient() {
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0;
        String path = "/v1/chat/completions";
        String key = null;
        String model = "bench";
        int streams = 512;
        long stallMs = 100;
        long timeoutMs = 120_000;
        int warmup = 32;
        int warmupRounds = 1;
        int rounds = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--path" -> path = args[++i];
                case "--key" -> key = args[++i];
                case "--model" -> model = args[++i];
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--stall-ms" -> stallMs = Long.parseLong(args[++i]);
                case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-rounds" -> warmupRounds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        List<Integer> warmupStalls = new ArrayList<>();
        for (int i = 0; warmup > 0 && i < warmupRounds; i++) {
            warmupStalls.add(run(host, port, path, key, model, warmup, stallMs, timeoutMs).path("stalls").asInt());
            Thread.sleep(1000);
        }
        List<ObjectNode> measured = new ArrayList<>(rounds);
        for (int i = 0; i < rounds; i++) {
            if (i > 0) {
                Thread.sleep(1000);
            }
            measured.add(run(host, port, path, key, model, streams, stallMs, timeoutMs));
        }
        ObjectNode summary = summary(measured);
        warmupStalls.forEach(summary.putArray("warmup_stalls")::add);
        System.out.println(JSON.writeValueAsString(summary));
    }

    /**
     * The round with the median stall count, plus every round's stalls, first-second stalls,
     * median TTFT and failures under {@code rounds}, and {@code failed_all_rounds}. A single
     * simultaneous burst is the noisiest thing the harness measures (the stall count of one
     * set-up varied 5x between runs), so the harness runs several and reports the middle one.
     */
    static ObjectNode summary(List<ObjectNode> measured) {
        List<ObjectNode> byStalls = new ArrayList<>(measured);
        byStalls.sort(java.util.Comparator.comparingInt(o -> o.path("stalls").asInt()));
        ObjectNode out = byStalls.get((byStalls.size() - 1) / 2).deepCopy();
        ArrayNode all = out.putArray("rounds");
        int failed = 0;
        for (ObjectNode m : measured) {
            all.addObject().put("stalls", m.path("stalls").asInt())
                    .put("stalls_in_first_second", m.path("stalls_in_first_second").asInt())
                    .put("ttft_p50_ms", m.path("ttft_ms").path("p50").asDouble())
                    .put("failed", m.path("failed").asInt());
            failed += m.path("failed").asInt();
        }
        out.put("failed_all_rounds", failed);
        return out;
    }

    /** One stream's timings (nanoseconds). */
    private record StreamResult(boolean ok, long ttft, long[] gaps, long[] gapEnds, int events, String error) {
        static StreamResult failed(String error) {
            return new StreamResult(false, 0, new long[0], new long[0], 0, error);
        }
    }

    static ObjectNode run(String host, int port, String path, String key, String model, int streams, long stallMs,
                          long timeoutMs) throws IOException {
        String run = Long.toString(System.nanoTime(), 36);
        List<StreamResult> results = new ArrayList<>(streams);
        List<Conn> conns = new ArrayList<>(streams);
        InetSocketAddress address = new InetSocketAddress(host, port);
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < streams; i++) {
                Conn c = new Conn(request(host, port, path, key, model, run + "-" + i));
                try {
                    c.channel = SocketChannel.open(address);
                    c.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.channel.configureBlocking(false);
                    conns.add(c);
                } catch (IOException e) {
                    results.add(StreamResult.failed(e.toString()));
                }
            }
            long start = System.nanoTime();
            for (Conn c : conns) {
                c.t0 = System.nanoTime();
                try {
                    c.write();
                    c.channel.register(selector, c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ, c);
                } catch (IOException e) {
                    c.fail(e.toString());
                }
            }
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            int open = (int) conns.stream().filter(c -> c.result == null).count();
            while (open > 0 && System.nanoTime() < deadline) {
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    try {
                        if (k.isWritable()) {
                            c.write();
                            if (!c.out.hasRemaining()) {
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        } else if (k.isReadable()) {
                            in.clear();
                            int n = c.channel.read(in);
                            long arrived = System.nanoTime();
                            if (n < 0) {
                                c.closed();
                            } else {
                                c.accept(in.array(), n, arrived);
                            }
                        }
                    } catch (IOException | RuntimeException e) {
                        c.fail(e.toString());
                    }
                    if (c.result != null) {
                        k.cancel();
                        open--;
                    }
                }
                selector.selectedKeys().clear();
            }
            for (Conn c : conns) {
                if (c.result == null) {
                    c.fail("timeout");
                }
                results.add(c.result);
                c.channel.close();
            }
            return report(results, streams, stallMs, start);
        }
    }

    private static ObjectNode report(List<StreamResult> results, int streams, long stallMs, long start) {
        long wall = System.nanoTime() - start; // until the last stream ended

        int ok = 0;
        int events = 0;
        long stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMs);
        int stalls = 0;
        int stallsFirstSecond = 0;
        int stalledStreams = 0;
        List<String> errors = new ArrayList<>();
        long[] ttfts = new long[results.size()];
        int nt = 0;
        int gapCount = 0;
        for (StreamResult r : results) {
            gapCount += r.gaps.length;
        }
        long[] gaps = new long[gapCount];
        int ng = 0;
        for (StreamResult r : results) {
            if (r.ok) {
                ok++;
                ttfts[nt++] = r.ttft;
            } else if (errors.size() < 5) {
                errors.add(r.error);
            }
            events += r.events;
            boolean stalled = false;
            for (int i = 0; i < r.gaps.length; i++) {
                long g = r.gaps[i];
                gaps[ng++] = g;
                if (g > stallNanos) {
                    stalls++;
                    stalled = true;
                    if (r.gapEnds[i] - start < TimeUnit.SECONDS.toNanos(1)) {
                        stallsFirstSecond++;
                    }
                }
            }
            if (stalled) {
                stalledStreams++;
            }
        }
        ttfts = Arrays.copyOf(ttfts, nt);
        Arrays.sort(ttfts);
        Arrays.sort(gaps);
        ObjectNode o = JSON.createObjectNode();
        o.put("streams", streams);
        o.put("completed", ok);
        o.put("failed", streams - ok);
        o.put("events", events);
        o.put("stall_threshold_ms", stallMs);
        o.put("stalls", stalls);
        o.put("stalls_in_first_second", stallsFirstSecond);
        o.put("stalled_streams", stalledStreams);
        o.put("wall_ms", ms(wall));
        ObjectNode t = o.putObject("ttft_ms");
        t.put("p50", ms(pct(ttfts, 50)));
        t.put("p90", ms(pct(ttfts, 90)));
        t.put("p99", ms(pct(ttfts, 99)));
        t.put("max", ms(ttfts.length == 0 ? 0 : ttfts[ttfts.length - 1]));
        ObjectNode g = o.putObject("gap_ms");
        g.put("p50", ms(pct(gaps, 50)));
        g.put("p99", ms(pct(gaps, 99)));
        g.put("p999", ms(pct(gaps, 99.9)));
        g.put("max", ms(gaps.length == 0 ? 0 : gaps[gaps.length - 1]));
        errors.forEach(o.putArray("errors")::add);
        return o;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static ByteBuffer request(String host, int port, String path, String key, String model, String id) {
        byte[] body = ("{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Stream " + id + ": tell me a short story about a lighthouse.\"}]}").getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(256)
                .append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Accept: text/event-stream\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n");
        if (key != null) {
            head.append("Authorization: Bearer ").append(key).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, request, h.length, body.length);
        return ByteBuffer.wrap(request);
    }

    /**
     * One stream's connection, fed the bytes the selector read for it: the status line and headers,
     * then the body (chunked or not) into its {@link Sse} parser.
     */
    private static final class Conn {
        private enum State { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, BODY }

        final ByteBuffer out;
        final Sse sse = new Sse();
        private final StringBuilder line = new StringBuilder(128);
        SocketChannel channel;
        long t0;
        StreamResult result;
        private State state = State.HEAD;
        private boolean statusRead;
        private boolean chunked;
        private long remaining = Long.MAX_VALUE;

        Conn(ByteBuffer out) {
            this.out = out;
        }

        void write() throws IOException {
            channel.write(out);
        }

        void accept(byte[] b, int len, long arrived) {
            int i = 0;
            while (i < len && result == null) {
                switch (state) {
                    case HEAD, CHUNK_SIZE, CHUNK_END -> {
                        byte c = b[i++];
                        if (c != '\n') {
                            line.append((char) (c & 0xff));
                            continue;
                        }
                        int l = line.length();
                        if (l > 0 && line.charAt(l - 1) == '\r') {
                            line.setLength(l - 1);
                        }
                        String text = line.toString();
                        line.setLength(0);
                        lineRead(text);
                    }
                    case CHUNK_DATA, BODY -> {
                        int take = (int) Math.min(len - i, remaining);
                        sse.accept(b, i, take, arrived);
                        i += take;
                        if (remaining != Long.MAX_VALUE) {
                            remaining -= take;
                        }
                        if (sse.done) {
                            finish();
                        } else if (remaining == 0) {
                            if (state == State.CHUNK_DATA) {
                                state = State.CHUNK_END;
                            } else {
                                finish();
                            }
                        }
                    }
                }
            }
        }

        private void lineRead(String text) {
            switch (state) {
                case HEAD -> {
                    if (!statusRead) {
                        statusRead = true;
                        if (!text.startsWith("HTTP/1.1 200")) {
                            fail("status " + text);
                        }
                        return;
                    }
                    String lower = text.toLowerCase(java.util.Locale.ROOT);
                    if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                        chunked = true;
                    } else if (lower.startsWith("content-length:")) {
                        remaining = Long.parseLong(lower.substring(15).trim());
                    } else if (text.isEmpty()) {
                        state = chunked ? State.CHUNK_SIZE : State.BODY;
                        if (state == State.BODY && remaining == 0) {
                            finish();
                        }
                    }
                }
                case CHUNK_SIZE -> {
                    int semi = text.indexOf(';');
                    remaining = Long.parseLong((semi < 0 ? text : text.substring(0, semi)).trim(), 16);
                    if (remaining == 0) {
                        finish();
                    } else {
                        state = State.CHUNK_DATA;
                    }
                }
                case CHUNK_END -> state = State.CHUNK_SIZE;
                default -> throw new IllegalStateException(state.name());
            }
        }

        void closed() {
            if (state == State.BODY && remaining == Long.MAX_VALUE) {
                finish(); // a body delimited by the connection's end
            } else {
                fail(state == State.HEAD ? "connection closed mid-response" : "connection closed mid-chunk");
            }
        }

        private void finish() {
            if (sse.error != null) {
                result = new StreamResult(false, 0, sse.gaps(), sse.gapEnds(), sse.events, sse.error);
            } else if (!sse.done) {
                result = new StreamResult(false, 0, sse.gaps(), sse.gapEnds(), sse.events,
                        "stream ended without [DONE]");
            } else if (sse.events == 0) {
                result = StreamResult.failed("no events");
            } else {
                result = new StreamResult(true, sse.first - t0, sse.gaps(), sse.gapEnds(), sse.events, null);
            }
        }

        void fail(String error) {
            if (result == null) {
                result = new StreamResult(false, 0, sse.gaps(), sse.gapEnds(), sse.events, error);
            }
        }
    }

    /** Splits SSE bytes into events; records the arrival time of every data event. */
    private static final class Sse {
        private final StringBuilder line = new StringBuilder(512);
        private String data;
        private String event = "";
        private long[] times = new long[128];
        int events;
        long first;
        boolean done;
        String error;

        void accept(byte[] b, int off, int len, long arrived) {
            for (int i = off; i < off + len && !done; i++) {
                byte c = b[i];
                if (c != '\n') {
                    line.append((char) (c & 0xff));
                    continue;
                }
                if (line.isEmpty()) {
                    dispatch(arrived);
                } else if (line.indexOf("data:") == 0) {
                    data = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
                } else if (line.indexOf("event:") == 0) {
                    event = line.substring(6).trim();
                }
                line.setLength(0);
            }
        }

        private void dispatch(long arrived) {
            if (data == null) {
                return;
            }
            if (event.equals("error")) {
                error = "error event";
                done = true;
            } else if (data.equals("[DONE]")) {
                done = true;
            } else {
                if (events == times.length) {
                    times = Arrays.copyOf(times, events * 2);
                }
                if (events == 0) {
                    first = arrived;
                }
                times[events++] = arrived;
            }
            data = null;
            event = "";
        }

        /** When the event that ends each gap arrived. */
        long[] gapEnds() {
            return events < 2 ? new long[0] : Arrays.copyOfRange(times, 1, events);
        }

        long[] gaps() {
            long[] g = new long[Math.max(0, events - 1)];
            for (int i = 1; i < events; i++) {
                g[i - 1] = times[i] - times[i - 1];
            }
            return g;
        }
    }
}
