package io.aisix.plugin.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Headers;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Json;
import io.aisix.support.provider.SseReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One gateway request's use of an upstream MCP server: the session held in
 * {@link UpstreamHandshakes} (a new {@code initialize} and {@code notifications/initialized} only
 * when none is held), then the operation with its {@code Mcp-Session-Id} and
 * {@code MCP-Protocol-Version}. When the upstream no longer knows the held session (HTTP 404, or
 * 400 without a session id), a new handshake is run and the operation retried once.
 *
 * <p>The gateway's credential ({@link McpServer#secret()}) is the only authentication sent; no
 * header of the caller is forwarded. Every failure surfaces as an {@link UpstreamFailure} whose
 * message names the server and never holds the credential.
 */
final class UpstreamSession {
    private final UpstreamClient client;
    private final McpServer server;
    private final OAuthTokens tokens;
    private final UpstreamHandshakes handshakes;
    /** The access token of an oauth2 server, fetched (or taken from the cache) by {@link #initialize}. */
    private String accessToken = "";
    /** The session in use; null before {@link #initialize} and while a handshake runs. */
    private UpstreamHandshakes.Handshake held;
    /** True when {@link #held} came from an earlier request (so it may have expired upstream). */
    private boolean reused;
    private long nextId;

    UpstreamSession(UpstreamClient client, McpServer server, OAuthTokens tokens, UpstreamHandshakes handshakes) {
        this.client = client;
        this.server = server;
        this.tokens = tokens;
        this.handshakes = handshakes;
    }

    /** An upstream that failed: unreachable, timed out, an HTTP error, or a malformed answer. */
    static final class UpstreamFailure extends RuntimeException {
        UpstreamFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Takes the held session of the server, or opens one; afterwards requests carry it. */
    void initialize() {
        if (server.oauth().isPresent()) {
            accessToken = tokens.token(client, server);
        }
        boolean[] fresh = {false};
        held = handshakes.get(server, () -> {
            fresh[0] = true;
            return handshake();
        });
        reused = !fresh[0];
    }

    /** After the upstream dropped the held session: forget it and open a new one. */
    private void renew() {
        handshakes.invalidate(server, held);
        held = null;
        reused = false;
        held = handshakes.get(server, this::handshake);
    }

    /** {@code initialize} and {@code notifications/initialized}: a new upstream session. */
    private UpstreamHandshakes.Handshake handshake() {
        ObjectNode params = Json.mapper().createObjectNode();
        params.put("protocolVersion", McpProtocol.LATEST);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "aisix-mcp-gateway").put("version", McpProtocol.GATEWAY_VERSION);
        AtomicReference<Optional<String>> sessionId = new AtomicReference<>(Optional.empty());
        JsonNode result = result(exchange("initialize", params, r -> sessionId.set(r.headers().first("mcp-session-id"))),
                "initialize");
        String v = result.path("protocolVersion").asText("");
        if (!McpProtocol.SUPPORTED.contains(v)) {
            throw new UpstreamFailure("MCP server '" + server.name() + "' negotiated an unsupported protocol revision '"
                    + v + "'");
        }
        UpstreamHandshakes.Handshake h = new UpstreamHandshakes.Handshake(sessionId.get(), v, result.path("capabilities"));
        ObjectNode note = Json.mapper().createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized");
        try (UpstreamResponse r = send(bytes(note), false, h)) {
            if (r.status() / 100 != 2) {
                throw new UpstreamFailure("MCP server '" + server.name() + "' refused notifications/initialized (HTTP "
                        + r.status() + ")");
            }
            r.readAll();
        }
        return h;
    }

    /** The upstream's capabilities ({@code tools}, {@code resources}, {@code prompts}, ...). */
    JsonNode capabilities() {
        return held.capabilities();
    }

    /** Sends a request and returns its JSON-RPC response message (result or error). */
    JsonNode request(String method, JsonNode params) {
        try {
            return exchange(method, params, r -> { });
        } catch (SessionGone e) {
            renew();
            return exchange(method, params, r -> { });
        }
    }

    /**
     * One request and its response message; {@code seen} sees the HTTP answer first. Throws
     * {@link SessionGone} when a reused session was dropped by the upstream.
     */
    private JsonNode exchange(String method, JsonNode params, Consumer<UpstreamResponse> seen) {
        long id = ++nextId;
        ObjectNode msg = Json.mapper().createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        msg.set("params", params);
        try (UpstreamResponse r = send(bytes(msg), false, held)) {
            check(r, method);
            seen.accept(r);
            if (isEventStream(r)) {
                try (SseReader sse = new SseReader(r.body())) {
                    while (true) {
                        Optional<SseEvent> e = sse.next();
                        if (e.isEmpty()) {
                            throw new UpstreamFailure("MCP server '" + server.name() + "' ended its stream without "
                                    + "answering " + method);
                        }
                        JsonNode m = parse(e.get().data(), method);
                        if (m != null && m.path("id").asLong(-1) == id && !m.has("method")) {
                            return m;
                        }
                    }
                }
            }
            JsonNode m = parse(new String(r.readAll(), java.nio.charset.StandardCharsets.UTF_8), method);
            if (m == null || !m.isObject()) {
                throw new UpstreamFailure("MCP server '" + server.name() + "' answered " + method + " with no JSON-RPC "
                        + "message");
            }
            return m;
        } catch (GatewayException e) {
            throw failure(e, method);
        } catch (UncheckedIOException e) {
            throw failure(e.getCause(), method);
        }
    }

    /** The {@code result} of a response, or a failure carrying the upstream's error message. */
    JsonNode result(JsonNode response, String method) {
        if (response.has("error")) {
            throw new UpstreamFailure("MCP server '" + server.name() + "' answered " + method + " with error "
                    + response.path("error").path("code").asText() + ": " + response.path("error").path("message").asText());
        }
        JsonNode result = response.get("result");
        if (result == null || !result.isObject()) {
            throw new UpstreamFailure("MCP server '" + server.name() + "' answered " + method + " without a result");
        }
        return result;
    }

    /**
     * Sends a {@code tools/call} and returns the open answer (JSON or an event stream), checked
     * for its HTTP status (a dropped session renewed and the call sent again); the caller relays
     * and closes it.
     */
    UpstreamResponse call(ObjectNode message) {
        try {
            return open(message);
        } catch (SessionGone e) {
            renew();
            return open(message);
        }
    }

    private UpstreamResponse open(ObjectNode message) {
        try {
            UpstreamResponse r = send(bytes(message), true, held);
            try {
                check(r, "tools/call");
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
            return r;
        } catch (GatewayException e) {
            throw failure(e, "tools/call");
        }
    }

    long nextId() {
        return ++nextId;
    }

    UpstreamFailure failure(Throwable e, String method) {
        if (e instanceof UpstreamFailure f) {
            return f;
        }
        boolean timeout = e instanceof InterruptedIOException
                || e instanceof GatewayException g && g.code() == ErrorCode.TIMEOUT;
        if (timeout) {
            return new UpstreamFailure("MCP server '" + server.name() + "' did not answer " + method + " within "
                    + server.timeout().toMillis() + " ms");
        }
        return new UpstreamFailure("MCP server '" + server.name() + "' could not be reached for " + method
                + (e instanceof IOException ? "" : ""));
    }

    /** A reused session the upstream no longer knows: the request is sent again on a new one. */
    private static final class SessionGone extends RuntimeException {
        SessionGone() {
            super(null, null, false, false);
        }
    }

    private void check(UpstreamResponse r, String method) {
        if (r.status() != 200) {
            try {
                r.readAll();
            } catch (RuntimeException ignored) {
                // the status says enough
            }
            // the spec's answer to an unknown Mcp-Session-Id is 404; a server without sessions that
            // wants a handshake first can only refuse with 400
            if (reused && (r.status() == 404 || r.status() == 400 && held.sessionId().isEmpty())) {
                throw new SessionGone();
            }
            String why = r.status() == 401 || r.status() == 403 ? " (the gateway's credential was refused)" : "";
            if (r.status() == 401 && server.oauth().isPresent()) {
                tokens.invalidate(server); // revoked or expired early: the next request fetches a new one
            }
            throw new UpstreamFailure("MCP server '" + server.name() + "' answered " + method + " with HTTP "
                    + r.status() + why);
        }
    }

    static boolean isEventStream(UpstreamResponse r) {
        return r.headers().first("content-type").map(t -> t.toLowerCase(Locale.ROOT).startsWith("text/event-stream"))
                .orElse(false);
    }

    private JsonNode parse(String data, String method) {
        if (data.isBlank()) {
            return null;
        }
        try {
            return Json.mapper().readTree(data);
        } catch (IOException e) {
            throw new UpstreamFailure("MCP server '" + server.name() + "' answered " + method + " with invalid JSON");
        }
    }

    private UpstreamResponse send(byte[] body, boolean stream, UpstreamHandshakes.Handshake session) {
        Headers.Builder h = Headers.builder();
        h.set("content-type", "application/json");
        h.set("accept", "application/json, text/event-stream");
        if (session != null) {
            // once initialize answered, requests carry the revision and the session, as the spec requires
            h.set("mcp-protocol-version", session.protocol());
            session.sessionId().ifPresent(id -> h.set("mcp-session-id", id));
        }
        switch (server.authType()) {
            case "bearer" -> h.set("authorization", "Bearer " + server.secret().orElse(""));
            case "oauth2" -> h.set("authorization", "Bearer " + accessToken);
            case "api_key" -> h.set(server.authHeader(), server.secret().orElse(""));
            default -> { }
        }
        return client.send(new UpstreamRequest("POST", server.url(), h.build(), body, stream, server.timeout(),
                Optional.empty(), true));
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return Json.mapper().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
