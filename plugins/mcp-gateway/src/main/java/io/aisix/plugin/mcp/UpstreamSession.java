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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One short MCP session with an upstream server, opened for one gateway request and ended with
 * it: {@code initialize}, {@code notifications/initialized}, the operation, and a {@code DELETE}
 * of the session when the upstream issued an {@code Mcp-Session-Id}. Holding no session across
 * requests is what lets any replica serve any call; the price is one handshake per request.
 *
 * <p>The gateway's credential ({@link McpServer#secret()}) is the only authentication sent; no
 * header of the caller is forwarded. Every failure surfaces as an {@link UpstreamFailure} whose
 * message names the server and never holds the credential.
 */
final class UpstreamSession implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(UpstreamSession.class.getName());

    private final UpstreamClient client;
    private final McpServer server;
    private final OAuthTokens tokens;
    /** The access token of an oauth2 server, fetched (or taken from the cache) by {@link #initialize}. */
    private String accessToken = "";
    private Optional<String> sessionId = Optional.empty();
    private String protocol = McpProtocol.LATEST;
    private long nextId;
    /** Set once initialize answered: later requests carry MCP-Protocol-Version, as the spec requires. */
    private boolean negotiated;

    UpstreamSession(UpstreamClient client, McpServer server, OAuthTokens tokens) {
        this.client = client;
        this.server = server;
        this.tokens = tokens;
    }

    /** An upstream that failed: unreachable, timed out, an HTTP error, or a malformed answer. */
    static final class UpstreamFailure extends RuntimeException {
        UpstreamFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Runs the handshake; afterwards requests carry the session id and negotiated revision. */
    void initialize() {
        if (server.oauth().isPresent()) {
            accessToken = tokens.token(client, server);
        }
        ObjectNode params = Json.mapper().createObjectNode();
        params.put("protocolVersion", McpProtocol.LATEST);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "aisix-mcp-gateway").put("version", McpProtocol.GATEWAY_VERSION);
        JsonNode result = result(request("initialize", params), "initialize");
        String v = result.path("protocolVersion").asText("");
        if (!McpProtocol.SUPPORTED.contains(v)) {
            throw new UpstreamFailure("MCP server '" + server.name() + "' negotiated an unsupported protocol revision '"
                    + v + "'");
        }
        protocol = v;
        negotiated = true;
        ObjectNode note = Json.mapper().createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized");
        try (UpstreamResponse r = send(bytes(note), false)) {
            if (r.status() / 100 != 2) {
                throw new UpstreamFailure("MCP server '" + server.name() + "' refused notifications/initialized (HTTP "
                        + r.status() + ")");
            }
            r.readAll();
        }
    }

    /** Sends a request and returns its JSON-RPC response message (result or error). */
    JsonNode request(String method, JsonNode params) {
        long id = ++nextId;
        ObjectNode msg = Json.mapper().createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        msg.set("params", params);
        try (UpstreamResponse r = send(bytes(msg), false)) {
            check(r, method);
            if (method.equals("initialize")) {
                sessionId = r.headers().first("mcp-session-id");
            }
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
     * Sends a {@code tools/call} with the upstream request id {@code id} and returns the open
     * answer (JSON or an event stream), checked for its HTTP status; the caller relays and closes it.
     */
    UpstreamResponse call(ObjectNode message) {
        try {
            UpstreamResponse r = send(bytes(message), true);
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

    private void check(UpstreamResponse r, String method) {
        if (r.status() != 200) {
            try {
                r.readAll();
            } catch (RuntimeException ignored) {
                // the status says enough
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

    private UpstreamResponse send(byte[] body, boolean stream) {
        return client.send(new UpstreamRequest("POST", server.url(), headers(true).build(), body, stream,
                server.timeout(), Optional.empty(), true));
    }

    private Headers.Builder headers(boolean post) {
        Headers.Builder h = Headers.builder();
        if (post) {
            h.set("content-type", "application/json");
            h.set("accept", "application/json, text/event-stream");
        }
        if (negotiated) {
            h.set("mcp-protocol-version", protocol);
        }
        sessionId.ifPresent(s -> h.set("mcp-session-id", s));
        switch (server.authType()) {
            case "bearer" -> h.set("authorization", "Bearer " + server.secret().orElse(""));
            case "oauth2" -> h.set("authorization", "Bearer " + accessToken);
            case "api_key" -> h.set(server.authHeader(), server.secret().orElse(""));
            default -> { }
        }
        return h;
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return Json.mapper().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the upstream session, if it has one, off the request path; failures only logged. */
    @Override
    public void close() {
        if (sessionId.isEmpty()) {
            return;
        }
        UpstreamRequest delete = new UpstreamRequest("DELETE", server.url(), headers(false).build(), new byte[0], false,
                server.timeout(), Optional.empty(), true);
        Thread.ofVirtual().name("mcp-session-end").start(() -> {
            try (UpstreamResponse r = client.send(delete)) {
                r.readAll();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "ending the session with MCP server '" + server.name() + "' failed", e);
            }
        });
    }
}
