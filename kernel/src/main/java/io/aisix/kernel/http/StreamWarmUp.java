package io.aisix.kernel.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.upstream.Http1UpstreamClient;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.SseEvent;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Json;
import io.aisix.support.provider.SseReader;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code proxy.warm_up}: right after the listeners are up, runs the kernel's share of a stream's
 * path a couple of thousand times with synthetic data on a background thread, so that the first
 * callers of a fresh gateway do not pay for the JIT.
 *
 * <p>Why: a burst of 64 new streams right after start-up added ~190 ms to the median time to first
 * token, against 0.4 ms once warm. The gateway's CPU for that burst was 2-3 times a warm burst's,
 * split between the request code running interpreted (JFR: ~85% of the request threads' samples in
 * interpreted frames while the burst was admitted) and the C1/C2 compiler threads compiling it on
 * the same core. Code run once per request (request parsing, the upstream connect and request,
 * the answer head) reaches the compile thresholds only after a few hundred requests, so without
 * this the first few hundred callers run it interpreted.
 *
 * <p>What runs, through the same classes as a real stream: a private Helidon server on an
 * ephemeral loopback port (request line, headers and body read, a chunked {@code text/event-stream}
 * answer written event by event with {@link ProxyHandler#writeEvent}), the {@link RequestValidator}
 * parse of a chat request, a private {@link Http1UpstreamClient} (connect, request head and body,
 * answer head, chunked body), SSE parsing and Jackson parsing and writing of chat chunks, on
 * virtual threads like callers' requests; every other stream on a new connection, as in a burst of
 * new callers. Nothing of it reaches the gateway's state: no listener,
 * snapshot, chain, plugin, upstream pool, metric, access log, cache or rate-limit counter is
 * touched, and the private server and client are closed when it ends. Plugins' own code (in their
 * own class loaders) is not warmed: only real requests compile it.
 *
 * <p>Bounded: {@link #ROUNDS} streams of {@link #EVENTS} events, {@link #CONCURRENCY} at a time,
 * stopped after {@link #MAX_MILLIS} ms in any case or when the gateway closes; a failure only ends
 * it (logged at FINE). It starts after the listeners are bound, so it never delays {@code /livez}.
 */
public final class StreamWarmUp implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StreamWarmUp.class.getName());
    /**
     * Streams in all. 512 took code run once per stream past C1's thresholds (~200 calls) but not
     * C2's (~5,000 calls and loops): its C2 compilations then fell into the first real burst, which
     * cost more CPU than without any warm-up (benchmarks/README.md, "Stream start").
     */
    static final int ROUNDS = 2048;
    /** Events per stream: 16k in all, well past C2's thresholds for code run per event. */
    static final int EVENTS = 8;
    static final int CONCURRENCY = 4;
    static final long MAX_MILLIS = 30_000;
    private static final String PATH = "/v1/chat/completions";
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final GatewayConfig.Upstream upstream;
    private final RequestValidator validator;
    private final Endpoint endpoint;
    private final int rounds;
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicInteger answers = new AtomicInteger();
    /** The client ports the private server saw: a new connection each (bounded by the rounds). */
    private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
    private final ObjectMapper json = Json.mapper();
    private volatile boolean stopped;
    private Thread thread;

    /**
     * @param upstream the gateway's {@code upstream} settings, for the private client (timeouts, keepalive)
     * @param validator the proxy's request validator
     * @param endpoint  the chat completions endpoint, whose requests the validator parses
     * @param rounds    streams to run ({@link #ROUNDS} in the gateway)
     */
    StreamWarmUp(GatewayConfig.Upstream upstream, RequestValidator validator, Endpoint endpoint, int rounds) {
        this.upstream = upstream;
        this.validator = validator;
        this.endpoint = endpoint;
        this.rounds = rounds;
    }

    /**
     * Starts the warm-up on a background thread, or nothing when the chat completions endpoint is
     * not routed; returns what {@link #close()} stops.
     */
    public static StreamWarmUp start(GatewayConfig config, EndpointRouter endpoints) {
        StreamWarmUp w = new StreamWarmUp(config.upstream(), new RequestValidator(config.proxy().maxJsonDepth(),
                config.proxy().maxJsonNumberLength()), endpoints.route(PATH), ROUNDS);
        if (w.endpoint != null) {
            w.start();
        }
        return w;
    }

    void start() {
        // the lowest priority where the OS honours Java priorities (Linux does not by default); the
        // streams themselves run on virtual threads beside callers' requests, CONCURRENCY at a time
        thread = Thread.ofPlatform().daemon().name("aisix-warm-up").priority(Thread.MIN_PRIORITY).start(this::run);
    }

    /** Streams completed so far (each read to its {@code [DONE]}). */
    int streams() {
        return streams.get();
    }

    /** Events read so far, over all streams. */
    int events() {
        return events.get();
    }

    /** Connections the private server accepted. */
    int connections() {
        return connections.size();
    }

    /** Waits for the warm-up to end; true once it has. */
    boolean await(long millis) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(millis);
            return !t.isAlive();
        }
        return true;
    }

    private void run() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
        // set up as the proxy listener is (Listeners), so the same connection and HTTP/1 code runs
        ConnectionGuard guard = new ConnectionGuard("warm-up", new ConnectionGuard.Limits(Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(10), CONCURRENCY * 2),
                new ListenerErrors(ListenerErrors.Style.PROXY));
        WebServer server = guard.apply(WebServer.builder()
                .shutdownHook(false)
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .maxPayloadSize(-1)
                .routing(r -> r.post(PATH, this::answer)), WebServer.DEFAULT_SOCKET_NAME,
                Http1Config.builder().validateResponseHeaders(false))
                .build();
        try (guard; Http1UpstreamClient client = new Http1UpstreamClient(upstream)) {
            server.start();
            try {
                String url = "http://127.0.0.1:" + server.port() + PATH;
                AtomicInteger next = new AtomicInteger();
                List<Thread> callers = new ArrayList<>();
                for (int i = 0; i < CONCURRENCY; i++) {
                    callers.add(Thread.ofVirtual().name("aisix-warm-up-" + i).start(() -> {
                        try {
                            int n;
                            while (!stopped && System.nanoTime() < deadline && (n = next.getAndIncrement()) < rounds) {
                                stream(client, url, n);
                            }
                        } catch (RuntimeException e) {
                            stopped = true;
                            LOG.log(Level.FINE, "warm-up ended early", e);
                        }
                    }));
                }
                for (Thread c : callers) {
                    c.join();
                }
            } finally {
                server.stop();
            }
            LOG.fine(() -> "warm-up done: " + streams.get() + " streams, " + events.get() + " events");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "warm-up could not start", e);
        }
    }

    /** One stream: a chat request as a caller sends it, its answer read event by event. */
    private void stream(Http1UpstreamClient client, String url, int n) {
        ObjectNode req = json.createObjectNode().put("model", "warm-up").put("stream", true);
        req.putArray("messages").addObject().put("role", "user").put("content",
                "Warm-up request " + n + ": summarise the plot of a short story in two sentences.");
        byte[] body;
        try {
            body = json.writeValueAsBytes(req);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        UpstreamRequest r = UpstreamRequest.postJson(url, Headers.of("authorization", "Bearer warm-up",
                "content-type", "application/json", "accept", "text/event-stream"), body, true);
        try (UpstreamResponse answer = client.send(r); SseReader sse = new SseReader(answer.body())) {
            Optional<SseEvent> e;
            while ((e = sse.next()).isPresent() && !e.get().data().equals("[DONE]")) {
                JsonNode chunk = json.readTree(e.get().data());
                if (chunk.path("choices").isArray()) {
                    events.incrementAndGet();
                }
            }
            streams.incrementAndGet();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private server's answer: the request parsed as the proxy parses it, then a stream of chat chunks. */
    private void answer(ServerRequest req, ServerResponse res) throws IOException {
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readAllBytes();
        }
        ConnectionGuard.answering();
        connections.add(req.remotePeer().port());
        ObjectNode tree = validator.validate(endpoint, body);
        String model = tree.path("model").asText();
        res.status(Status.OK_200);
        if (answers.incrementAndGet() % 2 == 0) {
            // every other stream on a new connection: a burst of new streams opens one per stream,
            // to the gateway and from it to the upstream, and that code must be warm too
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = res.outputStream()) {
            for (int i = 0; i < EVENTS; i++) {
                ObjectNode chunk = json.createObjectNode().put("id", "chatcmpl-warm-up").put("object",
                        "chat.completion.chunk").put("model", model);
                chunk.putArray("choices").addObject().put("index", 0).putObject("delta")
                        .put("content", "word" + i + " ");
                ProxyHandler.writeEvent(out, SseEvent.data(json.writeValueAsString(chunk)));
                out.flush();
            }
            out.write(DONE);
            out.flush();
        }
    }

    /** Stops the warm-up (the gateway closes) and waits briefly for it to end. */
    @Override
    public void close() {
        stopped = true;
        try {
            await(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
