package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Headers;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback LLM upstream on a random port that speaks the real wire formats of OpenAI, Azure
 * OpenAI, Anthropic and Gemini, scriptable per test.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>provider</th><th>route</th><th>auth (checked only with {@link #requireApiKey})</th></tr>
 *   <tr><td>OpenAI (and compatible)</td><td>{@code POST .../chat/completions}, {@code .../completions},
 *       {@code .../embeddings}, {@code .../responses}; {@code GET .../models}</td>
 *       <td>{@code Authorization: Bearer}</td></tr>
 *   <tr><td>Azure OpenAI</td><td>{@code POST /openai/deployments/{deployment}/chat/completions|completions|embeddings?api-version=...},
 *       {@code POST /openai/v1/responses} (the v1 API: deployment in the body's {@code model})</td>
 *       <td>{@code api-key}</td></tr>
 *   <tr><td>Anthropic</td><td>{@code POST .../v1/messages} (needs {@code anthropic-version} and {@code max_tokens})</td>
 *       <td>{@code x-api-key}</td></tr>
 *   <tr><td>Gemini</td><td>{@code POST .../models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse},
 *       {@code :batchEmbedContents}</td>
 *       <td>{@code x-goog-api-key} or {@code ?key=}</td></tr>
 *   <tr><td>Vertex AI</td><td>{@code POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent|streamGenerateContent},
 *       {@code .../publishers/anthropic/models/{m}:rawPredict|streamRawPredict}; the OAuth2 token endpoint
 *       {@code POST /token} of {@link #vertexServiceAccount} accounts</td>
 *       <td>{@code Authorization: Bearer} with a token the mock issued (always checked once an account is registered)</td></tr>
 *   <tr><td>OpenAI, Azure, Jina, Cohere</td><td>{@code POST .../rerank}, {@code .../images/generations},
 *       {@code .../audio/speech} (binary), {@code .../audio/transcriptions} (multipart); Anthropic's
 *       {@code POST .../v1/messages/count_tokens} ({@link MediaWire})</td>
 *       <td>{@code Authorization: Bearer}, {@code api-key}, {@code x-api-key}</td></tr>
 *   <tr><td>Bedrock</td><td>{@code POST /model/{id}/converse}, {@code /converse-stream} (AWS event stream),
 *       {@code /invoke} (Claude Messages body, Titan and Cohere embeddings)</td>
 *       <td>SigV4, verified for real with {@link #requireAwsCredentials}</td></tr>
 * </table>
 *
 * <p>Streams follow the request ({@code "stream": true}, or Gemini's {@code streamGenerateContent}).
 * Each request takes the next {@link #enqueue enqueued} script, or the {@link #defaultScript}
 * when none is queued. Every request is recorded ({@link #requests()}); stream outcomes are
 * counted: {@link #streamsStarted()}, {@link #streamsCompleted()} and
 * {@link #streamsCancelled()} (the client went away before the end, seen as a failed write).
 *
 * <p>Built for speed too (tcp-no-delay, no per-request locks beyond the script queue), so the
 * load harness can use it as its upstream; turn {@link #recordRequests recording} off there.
 */
public final class MockUpstream implements AutoCloseable {
    /** How many requests are kept for assertions (the oldest are dropped beyond this). */
    public static final int MAX_RECORDED = 10_000;
    private static final Duration HANG_LIMIT = Duration.ofMinutes(10);

    private final WebServer server;
    private final GoogleOAuth oauth = new GoogleOAuth();
    private volatile AwsSigV4.Expected aws;
    private final Queue<Script> queue = new ConcurrentLinkedQueue<>();
    private volatile Script defaultScript = Script.defaults();
    private volatile String requiredKey;
    private volatile boolean record = true;
    private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger broken = new AtomicInteger();
    private final AtomicInteger eventsSent = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ReentrantLock pauseLock = new ReentrantLock();
    private final Condition resumed = pauseLock.newCondition();
    private long pauseGeneration;
    private final AtomicInteger paused = new AtomicInteger();

    /** Remote addresses (host and port) of the connections requests came on. */
    private final Set<String> peers = ConcurrentHashMap.newKeySet();
    /** HTTP versions requests came with ({@code 1.1}, {@code 2.0}). */
    private final Set<String> protocols = ConcurrentHashMap.newKeySet();

    private MockUpstream() {
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .shutdownGracePeriod(Duration.ofMillis(200))
                .routing(r -> r.any(this::handle))
                .build()
                .start();
    }

    /** Starts a mock on a random loopback port. */
    public static MockUpstream start() {
        return new MockUpstream();
    }

    public int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:<port>} (Anthropic, Gemini and Azure {@code api_base}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** {@code http://127.0.0.1:<port>/v1} (an OpenAI-compatible {@code api_base}). */
    public String openAiBase() {
        return baseUrl() + "/v1";
    }

    // ---------------------------------------------------------------- scripting

    /** The script used when nothing is queued. */
    public MockUpstream defaultScript(Script script) {
        this.defaultScript = Objects.requireNonNull(script, "script");
        return this;
    }

    /** Scripts for the next requests, one each, in order. */
    public MockUpstream enqueue(Script... scripts) {
        for (Script s : scripts) {
            queue.add(Objects.requireNonNull(s, "script"));
        }
        return this;
    }

    /** Requires this credential in each provider's auth header (401 in the provider's format otherwise). */
    public MockUpstream requireApiKey(String key) {
        this.requiredKey = key;
        return this;
    }

    /**
     * Registers a Google service account with a fresh RSA key and returns its JSON (as Google's
     * console downloads it), whose {@code token_uri} is this mock's token endpoint. From then on
     * the Vertex routes require a bearer token that endpoint issued for a correctly signed
     * assertion, and that has not expired.
     */
    public String vertexServiceAccount(String clientEmail, String project) {
        return oauth.serviceAccount(clientEmail, project, baseUrl() + GoogleOAuth.PATH);
    }

    /**
     * Requires every Bedrock call to be SigV4-signed (service {@code bedrock}) with these
     * credentials; {@code sessionToken} may be null (then none must be sent). A wrong key id,
     * secret or token is a 403 as AWS answers it.
     */
    public MockUpstream requireAwsCredentials(String accessKeyId, String secretAccessKey, String sessionToken) {
        this.aws = new AwsSigV4.Expected(accessKeyId, secretAccessKey, sessionToken);
        return this;
    }

    /** Lifetime of the tokens the mock's OAuth2 endpoint issues ({@code expires_in}); 1 hour by default. */
    public MockUpstream vertexTokenTtl(Duration ttl) {
        oauth.ttl(ttl);
        return this;
    }

    /** Tokens the mock's OAuth2 endpoint issued. */
    public int tokensIssued() {
        return oauth.issued();
    }

    /** Token requests the mock's OAuth2 endpoint refused (bad signature, unknown account, ...). */
    public int tokensRefused() {
        return oauth.refused();
    }

    /** Turns request recording on or off (off for load tests). */
    public MockUpstream recordRequests(boolean on) {
        this.record = on;
        return this;
    }

    /** Releases every stream currently held by {@link Script#pauseAfter}. */
    public void resume() {
        pauseLock.lock();
        try {
            pauseGeneration++;
            resumed.signalAll();
        } finally {
            pauseLock.unlock();
        }
    }

    /** Forgets recorded requests, counters and queued scripts; restores the default script. */
    public void reset() {
        queue.clear();
        peers.clear();
        protocols.clear();
        defaultScript = Script.defaults();
        requiredKey = null;
        aws = null;
        oauth.reset();
        synchronized (recorded) {
            recorded.clear();
        }
        requestCount.set(0);
        started.set(0);
        completed.set(0);
        cancelled.set(0);
        broken.set(0);
        eventsSent.set(0);
        resume();
    }

    // ---------------------------------------------------------------- observations

    /** Recorded requests, oldest first. */
    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public RecordedRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new AssertionError("the mock upstream received no request");
            }
            return recorded.getLast();
        }
    }

    /** Requests received (also counted while recording is off). */
    public int requestCount() {
        return requestCount.get();
    }

    /** Client connections that sent requests since the start or the last {@link #reset}. */
    public int connectionsUsed() {
        return peers.size();
    }

    /**
     * The HTTP versions of the requests since the start or the last {@link #reset}: {@code 1.1},
     * and {@code 2.0} once a client spoke HTTP/2 (h2c; the mock accepts it when Helidon's
     * {@code helidon-webserver-http2} is on the class path).
     */
    public Set<String> protocolVersions() {
        return Set.copyOf(protocols);
    }

    /** Streams whose headers were sent. */
    public int streamsStarted() {
        return started.get();
    }

    /** Streams written to their clean end. */
    public int streamsCompleted() {
        return completed.get();
    }

    /** Streams the client abandoned before their end (a write failed). */
    public int streamsCancelled() {
        return cancelled.get();
    }

    /** Streams the script broke on purpose ({@link Script#breakAfter}). */
    public int streamsBroken() {
        return broken.get();
    }

    /** Stream events written so far, over all streams. */
    public int eventsSent() {
        return eventsSent.get();
    }

    /** Streams currently held by {@link Script#pauseAfter}. */
    public int streamsPaused() {
        return paused.get();
    }

    /** Waits until at least {@code n} streams were cancelled by their client; false on timeout. */
    public boolean awaitStreamsCancelled(int n, Duration timeout) {
        return await(() -> cancelled.get() >= n, timeout);
    }

    /** Waits until at least {@code n} streams are held by {@link Script#pauseAfter}; false on timeout. */
    public boolean awaitPaused(int n, Duration timeout) {
        return await(() -> paused.get() >= n, timeout);
    }

    /** Waits until at least {@code n} requests arrived; false on timeout. */
    public boolean awaitRequests(int n, Duration timeout) {
        return await(() -> requestCount.get() >= n, timeout);
    }

    private static boolean await(java.util.function.BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed.countDown();
        resume();
        server.stop();
    }

    // ---------------------------------------------------------------- request handling

    private void handle(ServerRequest req, ServerResponse res) {
        if (req.prologue().method().text().equals("POST") && req.path().rawPath().equals(GoogleOAuth.PATH)) {
            // token requests are the credentials' business: not counted, recorded nor scripted
            GoogleOAuth.Answer a = oauth.exchange(req.content().as(String.class), baseUrl() + GoogleOAuth.PATH);
            sendBytes(res, a.status(), "application/json", a.body(), null);
            return;
        }
        requestCount.incrementAndGet();
        peers.add(req.remotePeer().address().toString());
        protocols.add(req.prologue().protocolVersion());
        String method = req.prologue().method().text();
        String path = req.path().rawPath();
        String rawQuery = req.query().rawValue();
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            query.put(name, List.copyOf(req.query().all(name)));
        }
        Headers.Builder hb = Headers.builder();
        for (Header h : req.headers()) {
            for (String v : h.allValues()) {
                hb.add(h.name(), v);
            }
        }
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        RecordedRequest rec = new RecordedRequest(method, path, rawQuery == null ? "" : rawQuery, Map.copyOf(query),
                hb.build(), body);
        if (record) {
            synchronized (recorded) {
                if (recorded.size() >= MAX_RECORDED) {
                    recorded.removeFirst();
                }
                recorded.addLast(rec);
            }
        }
        Script script = queue.poll();
        if (script == null) {
            script = defaultScript;
        }
        if (MediaWire.handles(path)) {
            MediaWire.respond(rec, script, res, requiredKey);
            return;
        }
        MockCall call = route(rec, script);
        if (call == null) {
            res.status(404).header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send("{\"error\":{\"message\":\"no mock route for " + method + " " + path + "\"}}");
            return;
        }
        respond(call, res);
    }

    private MockCall route(RecordedRequest rec, Script script) {
        String path = rec.path();
        BedrockWire bedrock = BedrockWire.route(path, aws, port());
        if (bedrock != null) {
            return rec.method().equals("POST") ? new MockCall(rec, script, bedrock, bedrock.model()) : null;
        }
        VertexWire vertex = VertexWire.route(path, oauth);
        if (vertex != null) {
            return rec.method().equals("POST") ? new MockCall(rec, script, vertex, VertexWire.model(path)) : null;
        }
        if (path.equals("/openai/v1/responses")) {
            return rec.method().equals("POST")
                    ? new MockCall(rec, script, OpenAiWire.azureV1(OpenAiWire.Op.RESPONSES), null) : null;
        }
        if (path.startsWith("/openai/deployments/")) {
            String rest = path.substring("/openai/deployments/".length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                return null;
            }
            String deployment = rest.substring(0, slash);
            String op = rest.substring(slash + 1);
            OpenAiWire.Op o = switch (op) {
                case "chat/completions" -> OpenAiWire.Op.CHAT;
                case "completions" -> OpenAiWire.Op.COMPLETIONS;
                case "embeddings" -> OpenAiWire.Op.EMBEDDINGS;
                default -> null;
            };
            return o == null || !rec.method().equals("POST") ? null
                    : new MockCall(rec, script, new OpenAiWire(o, true), deployment);
        }
        int colon = path.lastIndexOf(':');
        int models = path.lastIndexOf("/models/");
        if (colon > 0 && models >= 0 && colon > models) {
            String model = path.substring(models + "/models/".length(), colon);
            String op = path.substring(colon + 1);
            if (!rec.method().equals("POST")) {
                return null;
            }
            if (op.equals("generateContent")) {
                return new MockCall(rec, script, new GeminiWire(false), model);
            }
            if (op.equals("streamGenerateContent")) {
                return new MockCall(rec, script, new GeminiWire(true), model);
            }
            if (op.equals("batchEmbedContents")) {
                return new MockCall(rec, script, new GeminiEmbedWire(), model);
            }
            return null;
        }
        if (rec.method().equals("GET") && path.endsWith("/models")) {
            return new MockCall(rec, script, new OpenAiWire(OpenAiWire.Op.MODELS, false), null);
        }
        if (!rec.method().equals("POST")) {
            return null;
        }
        if (path.endsWith("/messages")) {
            return new MockCall(rec, script, new AnthropicWire(), null);
        }
        if (path.endsWith("/chat/completions")) {
            return new MockCall(rec, script, new OpenAiWire(OpenAiWire.Op.CHAT, false), null);
        }
        if (path.endsWith("/completions")) {
            return new MockCall(rec, script, new OpenAiWire(OpenAiWire.Op.COMPLETIONS, false), null);
        }
        if (path.endsWith("/embeddings")) {
            return new MockCall(rec, script, new OpenAiWire(OpenAiWire.Op.EMBEDDINGS, false), null);
        }
        if (path.endsWith("/responses")) {
            return new MockCall(rec, script, new OpenAiWire(OpenAiWire.Op.RESPONSES, false), null);
        }
        return null;
    }

    private void respond(MockCall call, ServerResponse res) {
        Wire wire = call.wire();
        Script s = call.script();
        s.headers().forEach(res::header);
        Refusal refusal = wire.refuse(call, requiredKey);
        if (refusal != null) {
            refusal.headers().forEach(res::header);
            sendBytes(res, refusal.status(), "application/json", refusal.body(), null);
            return;
        }
        if (call.body().length > 0 && call.json() == null) {
            sendBytes(res, 400, "application/json", wire.errorBody(400, "request body is not a JSON object"), null);
            return;
        }
        String invalid = wire.validate(call);
        if (invalid != null) {
            sendBytes(res, 400, "application/json", wire.errorBody(400, invalid), null);
            return;
        }
        if (s.hangs()) {
            hang();
            return;
        }
        sleep(s.firstByteDelay());
        if (s.failStatus() > 0) {
            byte[] errorBody = s.rawErrorBody().map(b -> b.getBytes(StandardCharsets.UTF_8))
                    .orElseGet(() -> wire.errorBody(s.failStatus(), s.errorMessage()));
            wire.errorHeaders(s.failStatus()).forEach(res::header);
            sendBytes(res, s.failStatus(), "application/json", errorBody, s.retryAfter().orElse(null));
            return;
        }
        if (wire.streams(call)) {
            List<byte[]> frames = s.isGarbage()
                    ? List.of(sse(null, "{\"this is\": not json"), sse(null, "{{{"))
                    : wire.frames(call);
            stream(res, s, frames, wire.errorEvent(call), wire.streamContentType());
        } else if (s.isGarbage()) {
            sendBytes(res, 200, "application/json", "this is not json {".getBytes(StandardCharsets.UTF_8), null);
        } else {
            sendBytes(res, 200, "application/json", MockJson.bytes(wire.json(call)), null);
        }
    }

    private static void sendBytes(ServerResponse res, int status, String contentType, byte[] body, String retryAfter) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        if (retryAfter != null) {
            res.header(HeaderNames.RETRY_AFTER, retryAfter);
        }
        res.send(body);
    }

    private void stream(ServerResponse res, Script s, List<byte[]> frames, byte[] errorEvent, String contentType) {
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        OutputStream os = res.outputStream();
        boolean sentAny = false;
        // The resume() that releases this stream's pause is any one after the client could have
        // seen the last event before it: a client that reads those events and resumes at once may
        // do so before this thread has reached pause() (it did under load, and the stream then
        // stayed paused until the client's read timed out).
        long resumesBefore = pauseGeneration();
        try {
            os.flush(); // status line and headers now
            started.incrementAndGet();
            for (int i = 0; i < frames.size(); i++) {
                if (i == s.pauseAfter()) {
                    pause(resumesBefore);
                }
                if (i == s.breakAfter()) {
                    broken.incrementAndGet();
                    // An exception after the headers went out makes the server drop the connection
                    // mid-body: the client sees a truncated chunked body, not a clean end.
                    throw new BrokenOnPurpose();
                }
                if (i == s.hangAfter()) {
                    hang();
                    return;
                }
                if (i == s.errorEventAfter()) {
                    os.write(errorEvent);
                    os.flush();
                    eventsSent.incrementAndGet();
                    os.close();
                    completed.incrementAndGet();
                    return;
                }
                if (sentAny && !s.deltaDelay().isZero()) {
                    sleep(s.deltaDelay());
                }
                if (i == s.pauseAfter() - 1) {
                    resumesBefore = pauseGeneration();
                }
                os.write(frames.get(i));
                os.flush();
                sentAny = true;
                eventsSent.incrementAndGet();
            }
            os.close();
            completed.incrementAndGet();
        } catch (BrokenOnPurpose e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (closed.getCount() > 0) {
                cancelled.incrementAndGet();
            }
            throw new ClientGone(e);
        }
    }

    private long pauseGeneration() {
        pauseLock.lock();
        try {
            return pauseGeneration;
        } finally {
            pauseLock.unlock();
        }
    }

    /** Holds the stream until a {@link #resume()} after {@code gen} was read (or the mock closes). */
    private void pause(long gen) {
        pauseLock.lock();
        paused.incrementAndGet();
        try {
            while (gen == pauseGeneration && closed.getCount() > 0) {
                try {
                    resumed.await(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            paused.decrementAndGet();
            pauseLock.unlock();
        }
    }

    private void hang() {
        try {
            closed.await(HANG_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new ClientGone(null);
    }

    private static void sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One server-sent event frame ({@code event} may be null for unnamed events). */
    /**
     * The SSE frames (each {@code data: ...} plus its blank line) of an OpenAI chat stream for
     * {@code script}, exactly as this mock streams them for a request naming {@code model}: the
     * role chunk, the deltas, the finish chunk, the usage chunk when {@code includeUsage}, and
     * {@code [DONE]}. For servers that pace the frames themselves, like the load harness's.
     */
    public static List<byte[]> openAiChatStreamFrames(Script script, String model, boolean includeUsage) {
        return OpenAiWire.chatFrames(script, model, includeUsage, false);
    }

    static byte[] sse(String event, String data) {
        String frame = event == null ? "data: " + data + "\n\n" : "event: " + event + "\ndata: " + data + "\n\n";
        return frame.getBytes(StandardCharsets.UTF_8);
    }

    /** Aborts the response on purpose; the server drops the connection quietly. */
    private static final class BrokenOnPurpose extends CloseConnectionException {
        BrokenOnPurpose() {
            super("mock upstream broke the stream on purpose");
        }
    }

    /** The client went away (or the mock closed); the server drops the connection quietly. */
    private static final class ClientGone extends CloseConnectionException {
        ClientGone(Throwable cause) {
            super("client gone", cause);
        }
    }

    /** One routed request. */
    record MockCall(RecordedRequest request, Script script, Wire wire, String pathModel, ObjectNode json) {
        MockCall(RecordedRequest request, Script script, Wire wire, String pathModel) {
            this(request, script, wire, pathModel, request.body().length == 0 ? null
                    : MockJson.parseObject(new String(request.body(), StandardCharsets.UTF_8)));
        }

        byte[] body() {
            return request.body();
        }

        /** A body field as text, or {@code dflt}. */
        String field(String name, String dflt) {
            JsonNode n = json == null ? null : json.get(name);
            return n == null || !n.isTextual() ? dflt : n.asText();
        }

        boolean flag(String name) {
            JsonNode n = json == null ? null : json.get(name);
            return n != null && n.asBoolean(false);
        }
    }

    /** A request refused for its credentials: status, body and headers in the provider's format. */
    record Refusal(int status, byte[] body, Map<String, String> headers) {
    }

    /** One provider's wire format. */
    interface Wire {
        boolean authorized(MockCall call, String key);

        /**
         * The refusal of this request's credentials, or null. By default only a
         * {@link #requireApiKey required key} is checked, with {@link #authorized}; wires whose
         * credentials the mock can verify for real (SigV4, OAuth2 tokens) check them always.
         */
        default Refusal refuse(MockCall call, String requiredKey) {
            return requiredKey != null && !authorized(call, requiredKey)
                    ? new Refusal(401, errorBody(401, "invalid api key"), Map.of()) : null;
        }

        /** Extra headers of an error answer (AWS's {@code x-amzn-ErrorType}). */
        default Map<String, String> errorHeaders(int status) {
            return Map.of();
        }

        /** The content type of a streamed answer. */
        default String streamContentType() {
            return "text/event-stream";
        }

        /** A 400 message when the request is not valid for this provider, else null. */
        String validate(MockCall call);

        byte[] errorBody(int status, String message);

        boolean streams(MockCall call);

        JsonNode json(MockCall call);

        List<byte[]> frames(MockCall call);

        byte[] errorEvent(MockCall call);
    }

    static List<byte[]> list() {
        return new ArrayList<>();
    }
}
