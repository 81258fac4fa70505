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
import io.helidon.http.HeaderName;
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
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code proxy.warm_up}: right after the listeners are up, runs a stream's whole path a couple of
 * thousand times with synthetic data on a background thread, so that the first callers of a fresh
 * gateway do not pay for the JIT.
 *
 * <p>Why: a burst of 64 new streams right after start-up added ~190 ms to the median time to first
 * token, against 0.4 ms once warm. The gateway's CPU for that burst was 2-3 times a warm burst's,
 * split between the request code running interpreted (JFR: ~85% of the request threads' samples in
 * interpreted frames while the burst was admitted) and the C1/C2 compiler threads compiling it on
 * the same core. Code run once per request (request parsing, the chain's filters, the upstream
 * connect and request, the answer head, the usage record) reaches the compile thresholds only after
 * a few hundred requests, so without this the first few hundred callers run it interpreted.
 *
 * <p>What runs, through the same classes as a real stream: a private Helidon server on an
 * ephemeral loopback port set up like the proxy listener, whose chat completions route is a
 * {@link ProxyHandler} over a {@link Shadow}: the installed plugins' chain rebuilt on private state
 * (caller authentication, alias resolution, rate limit, guardrails, cache, the OpenAI adapter and
 * the provider kit's SSE translation, the observe plugin's recording; see
 * {@code io.aisix.kernel.warmup.ShadowChain}). Its provider key points back at the same private
 * server, whose upstream route answers like an OpenAI upstream (a chunked
 * {@code text/event-stream} written event by event with {@link ProxyHandler#writeEvent}, or a
 * JSON completion). A private {@link Http1UpstreamClient} sends the requests as callers do and
 * reads the answers (SSE and Jackson parsing): streams and, one in four, whole answers; every
 * other on a new connection, as in a burst of new callers; some repeat an earlier prompt (cache
 * hits) and a few carry a word the shadow's guardrail refuses. When no shadow can be built (an
 * installed plugin refuses the synthetic configuration, say), the private server answers the
 * requests itself and only the kernel's share is warmed.
 *
 * <p>Nothing of it reaches the gateway's state: no listener, snapshot, chain, filter instance,
 * upstream pool, metric, access log, usage event, exporter, cache entry, rate-limit counter,
 * statistic or model health is touched, and the private server, client and shadow are closed when
 * it ends.
 *
 * <p>Bounded: {@link #ROUNDS} requests of {@link #EVENTS} events, then {@link #SHORT_ROUNDS} short
 * streams of one event, each on a new connection, {@link #CONCURRENCY} at a time, stopped after
 * {@link #MAX_MILLIS} ms in any case or when the gateway closes; a failure only ends it (logged at
 * FINE). It starts after the listeners are bound, so it never delays {@code /livez}.
 *
 * <p>It gives way to callers: while the proxy has a request in flight, its callers send nothing
 * (they look again every {@link #GIVE_WAY_MILLIS} ms; what they already sent completes). With the
 * gateway on one core, a burst of callers during the warm-up otherwise shared that core, and the
 * virtual threads' carrier, with it (benchmarks/README.md, "Stream start: the cold burst"). The
 * deadline still counts, so under steady traffic it ends by {@link #MAX_MILLIS} having done less:
 * that traffic compiles the same code.
 */
public final class StreamWarmUp implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StreamWarmUp.class.getName());
    /**
     * Streams in all. 512 took code run once per stream past C1's thresholds (~200 calls) but not
     * C2's (~5,000 calls and loops): its C2 compilations then fell into the first real burst, which
     * cost more CPU than without any warm-up (benchmarks/README.md, "Stream start").
     */
    static final int ROUNDS = 2048;
    /**
     * Short streams after the rounds (one content event each, every one on a new caller connection):
     * code run once per request or per connection (Helidon's connection handler and request
     * routing, {@code ProxyHandler.serve}, the filters, the upstream client's send) is only C1-compiled
     * after the rounds: at tier 2 (no profile), where the start-up cache's training data puts it;
     * tier 2 code asks to be recompiled only every 2,048 calls and moves on only when C2's queue is
     * short, then needs ~5,000 calls at tier 3 for C2. Without these, the first bursts of callers ran
     * that code at tier 2, recompiled it at tier 3 (slower) and compiled it at tier 4 on the core that
     * served them (benchmarks/README.md, "Where the first tokens wait").
     */
    static final int SHORT_ROUNDS = 6144;
    /** Content events per stream: 16k in all, well past C2's thresholds for code run per event. */
    static final int EVENTS = 8;
    /** Every how many streams one has {@link #LONG_EVENTS} content events instead. */
    static final int LONG_EVERY = 16;
    static final int LONG_EVENTS = 64;
    static final int CONCURRENCY = 4;
    static final long MAX_MILLIS = 30_000;
    /** How often a paused caller looks whether the proxy's requests have ended. */
    static final long GIVE_WAY_MILLIS = 5;
    private static final String PATH = "/v1/chat/completions";
    /** The private server's upstream route: the shadow's provider key has {@code <server>/upstream/v1} as its base. */
    private static final String UPSTREAM = "/upstream/v1";
    /** Every how many requests one is a whole answer instead of a stream. */
    static final int WHOLE_EVERY = 4;
    /** Every how many requests one repeats an earlier prompt (a cache hit through a shadow). */
    static final int REPEAT_EVERY = 8;
    /** Every how many requests one carries the word the shadow's guardrail refuses. */
    static final int REFUSED_EVERY = 64;

    /**
     * The gateway's chain on private state, which the warm-up's requests run through; built once
     * the private server's port is known.
     */
    public interface Shadow extends AutoCloseable {
        /** Answers the private server's chat completions route as the proxy listener answers it. */
        io.helidon.webserver.http.Handler proxy();

        /**
         * The model alias of the {@code n}-th request: the shadow's aliases in turn, so that every way
         * its policies match (a policy for that alias, one for all) runs.
         */
        String model(int n);

        /** The {@code Authorization} value of the shadow's caller. */
        String authorization();

        /** A word the shadow refuses in a request (its input guardrail), or null when none does. */
        String refusedWord();

        /** The ids of the filters its chain runs, in order (the per-try ones last). */
        List<String> filters();

        /** Releases what it holds; nothing of it is used afterwards. */
        @Override
        void close();
    }

    /** Builds the shadow for an upstream base URL; may throw, which leaves the warm-up to the kernel's share. */
    @FunctionalInterface
    public interface Shadows {
        Shadow build(String upstreamBase);
    }
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    /**
     * Asks the private server to close the caller's connection after its answer (the client strips a
     * caller's {@code Connection} header: it manages its connections itself).
     */
    private static final HeaderName CLOSE = HeaderNames.create("x-aisix-warm-up-close");

    private final GatewayConfig.Upstream upstream;
    private final RequestValidator validator;
    private final Endpoint endpoint;
    private final int rounds;
    private final int shortRounds;
    private final AtomicInteger shortStreams = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicInteger whole = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger chained = new AtomicInteger();
    private final Shadows shadows;
    /** The proxy's requests in flight (streams included): the warm-up sends nothing while above 0. */
    private final IntSupplier callers;
    private final AtomicInteger pauses = new AtomicInteger();
    /** The shadow the requests run through; set to null (the rest without it) when one failed through it. */
    private volatile Shadow shadow;
    private Shadow built; // what close releases; written and read on the warm-up thread only
    private volatile List<String> filters = List.of();
    /** The client ports the private server saw: a new connection each (bounded by the rounds). */
    private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
    /** The client ports its chat completions route saw (the callers' connections). */
    private final Set<Integer> callerConnections = ConcurrentHashMap.newKeySet();
    private final ObjectMapper json = Json.mapper();
    private volatile boolean stopped;
    private volatile Thread thread; // set by the starting thread, read by close() and await() on others

    /**
     * @param upstream the gateway's {@code upstream} settings, for the private client (timeouts, keepalive)
     * @param validator the proxy's request validator
     * @param endpoint  the chat completions endpoint, whose requests the validator parses
     * @param rounds    requests to run ({@link #ROUNDS} in the gateway)
     * @param shortRounds short streams to run after them, each on a new connection ({@link #SHORT_ROUNDS})
     * @param shadows   builds the chain the requests run through; null: the private server answers them itself
     * @param callers   the proxy's requests in flight; the warm-up waits while there are any
     */
    StreamWarmUp(GatewayConfig.Upstream upstream, RequestValidator validator, Endpoint endpoint, int rounds,
                 int shortRounds, Shadows shadows, IntSupplier callers) {
        this.upstream = upstream;
        this.validator = validator;
        this.endpoint = endpoint;
        this.rounds = rounds;
        this.shortRounds = shortRounds;
        this.shadows = shadows;
        this.callers = callers;
    }

    /**
     * Starts the warm-up on a background thread and returns it (what {@link #close()} stops), or
     * returns null when the chat completions endpoint is not routed: there is nothing to warm.
     *
     * @param shadows builds the gateway's chain on private state for the requests to run through
     * @param callers the proxy's requests in flight ({@link Lifecycle#inFlight()}): it gives way to them
     */
    public static StreamWarmUp start(GatewayConfig config, EndpointRouter endpoints, Shadows shadows,
                                     IntSupplier callers) {
        StreamWarmUp w = new StreamWarmUp(config.upstream(), new RequestValidator(config.proxy().maxJsonDepth(),
                config.proxy().maxJsonNumberLength()), endpoints.route(PATH), ROUNDS, SHORT_ROUNDS, shadows, callers);
        if (w.endpoint == null) {
            return null;
        }
        w.start();
        return w;
    }

    void start() {
        // the lowest priority where the OS honours Java priorities (Linux does not by default); the
        // streams themselves run on virtual threads beside callers' requests, CONCURRENCY at a time
        thread = Thread.ofPlatform().daemon().name("aisix-warm-up").priority(Thread.MIN_PRIORITY).start(this::run);
    }

    /** Streams completed so far (each read to its {@code [DONE]}). */
    public int streams() {
        return streams.get();
    }

    /** Short streams (after the rounds) read to their {@code [DONE]} so far; also counted in {@link #streams()}. */
    public int shortStreams() {
        return shortStreams.get();
    }

    /** Whole (not streamed) answers read so far. */
    public int wholeAnswers() {
        return whole.get();
    }

    /** Requests the shadow refused (its guardrail), each with an error answer read. */
    public int refused() {
        return refused.get();
    }

    /** Requests the shadow's chain answered (streams, whole answers and refusals); 0 without a shadow. */
    public int chained() {
        return chained.get();
    }

    /** Answers the private upstream gave (fewer than the requests through a shadow: cache hits and refusals). */
    public int upstreamAnswers() {
        return answers.get();
    }

    /** The filters of the shadow's chain, empty when there was none. */
    public List<String> filters() {
        return filters;
    }

    /** Events read so far, over all streams. */
    int events() {
        return events.get();
    }

    /** Connections the private server accepted. */
    int connections() {
        return connections.size();
    }

    /** Connections the private server's chat completions route was called on (the warm-up's callers'). */
    int callerConnections() {
        return callerConnections.size();
    }

    /** How many times one of its callers waited {@link #GIVE_WAY_MILLIS} ms for the proxy's requests. */
    int pauses() {
        return pauses.get();
    }

    /** Waits for the warm-up to end; true once it has. */
    public boolean await(long millis) throws InterruptedException {
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
                // the callers' connections and the shadow's to the upstream route, with room for those closing
                Duration.ofSeconds(10), Duration.ofSeconds(10), CONCURRENCY * 4),
                new ListenerErrors(ListenerErrors.Style.PROXY));
        WebServer server = guard.apply(WebServer.builder()
                .shutdownHook(false)
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .maxPayloadSize(-1)
                .routing(r -> r.post(PATH, this::proxy).post(UPSTREAM + "/chat/completions", this::answer)),
                WebServer.DEFAULT_SOCKET_NAME,
                Http1Config.builder().validateResponseHeaders(false))
                .build();
        try (guard; Http1UpstreamClient client = new Http1UpstreamClient(upstream)) {
            server.start();
            try {
                built = shadow("http://127.0.0.1:" + server.port() + UPSTREAM);
                shadow = built;
                String url = "http://127.0.0.1:" + server.port() + PATH;
                steady(deadline, rounds, n -> throughShadow(through -> stream(client, url, n, through)));
                steady(deadline, shortRounds,
                        n -> throughShadow(through -> shortStream(client, url, rounds + n, through)));
            } finally {
                server.stop();
                if (built != null) {
                    built.close();
                }
            }
            LOG.fine(() -> "warm-up done: " + streams.get() + " streams, " + whole.get() + " whole answers, "
                    + refused.get() + " refused, " + events.get() + " events, " + chained.get() + " through "
                    + filters + ", " + shortStreams.get()
                    + " of the streams short, " + pauses.get() + " pauses of " + GIVE_WAY_MILLIS
                    + " ms for callers");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "warm-up could not start", e);
        }
    }

    /** Requests 0 to {@code count - 1}, {@link #CONCURRENCY} at a time. */
    private void steady(long deadline, int count, IntConsumer each)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CONCURRENCY; i++) {
            threads.add(caller("aisix-warm-up-" + i, () -> {
                int n;
                while (giveWay(deadline) && (n = next.getAndIncrement()) < count) {
                    each.accept(n);
                }
            }));
        }
        join(threads);
    }

    private boolean going(long deadline) {
        return !stopped && System.nanoTime() < deadline;
    }

    /** Waits while the proxy has requests in flight; then whether to go on ({@link #going}). */
    private boolean giveWay(long deadline) {
        while (going(deadline) && callers.getAsInt() > 0) {
            pauses.incrementAndGet();
            try {
                Thread.sleep(GIVE_WAY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return going(deadline);
    }

    /** A virtual thread sending warm-up requests; a failure other than the shadow's ends the warm-up. */
    private Thread caller(String name, Runnable calls) {
        return Thread.ofVirtual().name(name).start(() -> {
            try {
                calls.run();
            } catch (RuntimeException e) {
                stopped = true;
                LOG.log(Level.FINE, "warm-up ended early", e);
            }
        });
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Sends one request through the current shadow; the shadow is dropped (the rest without it) when it fails one. */
    private void throughShadow(Consumer<Shadow> send) {
        Shadow through = shadow;
        try {
            send.accept(through);
        } catch (RuntimeException e) {
            if (through == null) {
                throw e;
            }
            // the rest without the plugins' chain: the kernel's share still warms
            shadow = null;
            LOG.log(Level.FINE, "warm-up goes on without the plugins' chain", e);
        }
    }

    /**
     * The body of a warm-up request: a chat request for {@code model} with the {@code prompt}-th
     * prompt, ending in {@code word} when not null (public: tests send the same body as a caller).
     */
    public static byte[] request(String model, int prompt, boolean stream, String word) {
        return request(model, prompt, stream, word, 0);
    }

    /** As {@link #request(String, int, boolean, String)}, with {@code max_tokens} when above 0. */
    private static byte[] request(String model, int prompt, boolean stream, String word, int maxTokens) {
        ObjectMapper json = Json.mapper();
        ObjectNode req = json.createObjectNode().put("model", model).put("stream", stream);
        req.putArray("messages").addObject().put("role", "user").put("content", "Warm-up request " + prompt
                + ": summarise the plot of a short story in two sentences." + (word != null ? " " + word : ""));
        if (maxTokens > 0) {
            req.put("max_tokens", maxTokens);
        }
        try {
            return json.writeValueAsBytes(req);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Shadow shadow(String upstreamBase) {
        if (shadows == null) {
            return null;
        }
        try {
            Shadow s = shadows.build(upstreamBase);
            filters = s.filters();
            return s;
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, "warm-up without the plugins' chain", e);
            return null;
        }
    }

    /** The private server's chat completions route: the shadow's proxy handler, else the upstream answer itself. */
    private void proxy(ServerRequest req, ServerResponse res) throws Exception {
        callerConnections.add(req.remotePeer().port());
        if (req.headers().contains(CLOSE)) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        Shadow s = shadow;
        if (s == null) {
            answer(req, res);
            return;
        }
        s.proxy().handle(req, res);
        chained.incrementAndGet();
    }

    /**
     * One request as a caller sends it, its answer read to its end: a stream read event by event,
     * one in {@link #WHOLE_EVERY} a whole answer; through a shadow, one in {@link #REPEAT_EVERY}
     * repeats an earlier prompt and one in {@link #REFUSED_EVERY} carries the refused word.
     */
    private void stream(Http1UpstreamClient client, String url, int n, Shadow s) {
        boolean stream = n % WHOLE_EVERY != 1;
        boolean refuse = s != null && s.refusedWord() != null && n % REFUSED_EVERY == REFUSED_EVERY - 1;
        int prompt = n % REPEAT_EVERY == REPEAT_EVERY - 1 ? n - WHOLE_EVERY : n;
        byte[] body = request(s != null ? s.model(prompt) : "warm-up", prompt, stream, refuse ? s.refusedWord() : null);
        exchange(client, UpstreamRequest.postJson(url, headers(s, stream, false), body, stream), stream, refuse);
    }

    /**
     * A short stream ({@code max_tokens} 1: one content event) for a new prompt, on a new connection
     * as each caller of a burst opens one (the private server closes it after the answer).
     */
    private void shortStream(Http1UpstreamClient client, String url, int n, Shadow s) {
        byte[] body = request(s != null ? s.model(n) : "warm-up", n, true, null, 1);
        exchange(client, UpstreamRequest.postJson(url, headers(s, true, true), body, true), true, false);
        shortStreams.incrementAndGet();
    }

    /** A warm-up caller's headers: the shadow's caller key, and {@link #CLOSE} when {@code close}. */
    private static Headers headers(Shadow s, boolean stream, boolean close) {
        Headers h = Headers.of("authorization", s != null ? s.authorization() : "Bearer warm-up", "content-type",
                "application/json", "accept", stream ? "text/event-stream" : "application/json");
        return close ? h.toBuilder().add(CLOSE.defaultCase(), "1").build() : h;
    }

    /** Sends {@code r} and reads its answer to the end: a stream event by event, else a whole answer or a refusal. */
    private void exchange(Http1UpstreamClient client, UpstreamRequest r, boolean stream, boolean refuse) {
        try (UpstreamResponse answer = client.send(r)) {
            if (answer.status() != 200) {
                JsonNode error = json.readTree(answer.body());
                if (!refuse || !error.path("error").isObject()) {
                    throw new IllegalStateException("warm-up request answered " + answer.status() + ": " + error);
                }
                refused.incrementAndGet();
                return;
            }
            if (!stream) {
                if (!json.readTree(answer.body()).path("choices").isArray()) {
                    throw new IllegalStateException("warm-up answer without choices");
                }
                whole.incrementAndGet();
                return;
            }
            try (SseReader sse = new SseReader(answer.body())) {
                Optional<SseEvent> e;
                while ((e = sse.next()).isPresent() && !e.get().data().equals("[DONE]")) {
                    JsonNode chunk = json.readTree(e.get().data());
                    if (chunk.path("choices").path(0).path("delta").path("content").asText("").length() > 0) {
                        events.incrementAndGet(); // a content event (not the role, finish or usage chunk)
                    }
                }
            }
            streams.incrementAndGet();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The private server's answer as an OpenAI upstream gives it (the shadow's provider key points
     * here; without a shadow it answers the requests itself): the request parsed as the proxy parses
     * it, then a stream of chat chunks ending in a usage chunk, or a whole chat completion.
     */
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
        int nth = answers.incrementAndGet();
        if (nth % 2 == 0) {
            // every other answer on a new connection: a burst of new streams opens one per stream,
            // to the gateway and from it to the upstream, and that code must be warm too
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        String id = "chatcmpl-warm-up-" + nth;
        long created = System.currentTimeMillis() / 1000;
        if (!tree.path("stream").asBoolean(false)) {
            ObjectNode done = json.createObjectNode().put("id", id).put("object", "chat.completion")
                    .put("created", created).put("model", model).put("system_fingerprint", "fp_warm_up");
            ObjectNode choice = done.putArray("choices").addObject().put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", "A short warm-up answer.")
                    .putNull("refusal");
            choice.putNull("logprobs").put("finish_reason", "stop");
            usage(done, nth);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(json.writeValueAsBytes(done));
            return;
        }
        boolean includeUsage = tree.path("stream_options").path("include_usage").asBoolean(false);
        // one stream in LONG_EVERY is as long as a real answer, so per-stream loops over the events
        // (cache capture, usage, guardrail buffers) run with real trip counts too
        int maxTokens = tree.path("max_tokens").asInt(0);
        int deltas = maxTokens > 0 ? Math.min(maxTokens, EVENTS) : nth % LONG_EVERY == 0 ? LONG_EVENTS : EVENTS;
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = res.outputStream()) {
            // as OpenAI streams: the role chunk, the deltas, the finish chunk, then the usage chunk when asked for
            ObjectNode role = json.createObjectNode().put("role", "assistant").put("content", "").putNull("refusal");
            event(out, chunk(id, created, model, includeUsage, role, null));
            for (int i = 0; i < deltas; i++) {
                event(out, chunk(id, created, model, includeUsage, json.createObjectNode().put("content",
                        "word" + i + " "), null));
            }
            event(out, chunk(id, created, model, includeUsage, json.createObjectNode(), "stop"));
            if (includeUsage) {
                ObjectNode last = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                        .put("created", created).put("model", model).put("system_fingerprint", "fp_warm_up");
                last.putArray("choices");
                usage(last, nth);
                event(out, last);
            }
            out.write(DONE);
            out.flush();
        }
    }

    private ObjectNode chunk(String id, long created, String model, boolean usage, ObjectNode delta, String finish) {
        ObjectNode c = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model).put("system_fingerprint", "fp_warm_up");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs").put("finish_reason", finish);
        if (usage) {
            c.putNull("usage");
        }
        return c;
    }

    private void event(OutputStream out, ObjectNode chunk) throws IOException {
        ProxyHandler.writeEvent(out, SseEvent.data(json.writeValueAsString(chunk)));
        out.flush();
    }

    /** As OpenAI reports usage today, the details objects included (every other with cached prompt tokens). */
    private static void usage(ObjectNode answer, int nth) {
        ObjectNode u = answer.putObject("usage").put("prompt_tokens", 24).put("completion_tokens", EVENTS)
                .put("total_tokens", 24 + EVENTS);
        u.putObject("prompt_tokens_details").put("cached_tokens", nth % 2 == 0 ? 0 : 16).put("audio_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
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
