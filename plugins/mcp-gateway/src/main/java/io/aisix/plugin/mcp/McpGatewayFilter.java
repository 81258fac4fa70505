package io.aisix.plugin.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Json;
import io.aisix.support.provider.SseReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * Serves {@code /mcp} and {@code /mcp/<server>}: MCP Streamable HTTP in stateless mode (no
 * {@code Mcp-Session-Id} is issued; any replica serves any request).
 *
 * <p>{@code initialize} and {@code ping} are answered by the gateway; {@code tools/list} merges
 * the tools of every server the caller may use (namespaced {@code <server>__<tool>} on
 * {@code /mcp}, the upstream's names on {@code /mcp/<server>}), fetched in parallel; a server
 * that fails is left out of the aggregated list (logged and counted) but fails a single-server
 * list. {@code tools/call} goes to its server with the gateway's credential, and the upstream's
 * answer is relayed as it came, JSON or an event stream, with the caller's request id.
 * Resources, resource templates and prompts are listed and routed the same way ({@link Family},
 * {@code <server>__<uri>} and {@code <server>__<prompt>}). Notifications and responses from the
 * caller are accepted with 202.
 *
 * <p>Access: a tool is usable when its server entry exposes it ({@code allowed_tools}) and the
 * caller's {@link McpGrant} (its key's {@code mcp_access} and the {@code mcp_policies} that apply)
 * grants {@code <server>__<tool>}; a caller with no layer has no MCP access (403). Without a
 * caller (no AUTH plugin) every exposed tool is usable.
 *
 * <p>Guardrails ({@link ToolGuards}): a call's arguments pass the caller's input guardrails
 * before the upstream is called, its result the output guardrails before it is relayed; a block
 * answers a JSON-RPC error ({@code data.reason: content_filter}) naming the guardrail, a mask
 * rewrites the text.
 */
final class McpGatewayFilter implements Filter {
    private static final Logger LOG = Logger.getLogger(McpGatewayFilter.class.getName());
    static final String TOOL_CALLS = "aisix_mcp_tool_calls_total";
    static final String LIST_FAILURES = "aisix_mcp_upstream_failures_total";
    /** Bounds a server's paginated tools/list: a loop of cursors must not hold the request. */
    private static final int MAX_PAGES = 20;

    private final Map<String, McpServer> servers;
    private final McpGrant.Policies policies;
    private final UpstreamClient client;
    private final GatewayMetrics metrics;
    private final OAuthTokens tokens;
    private final UpstreamHandshakes handshakes;

    McpGatewayFilter(Map<String, McpServer> servers, McpGrant.Policies policies, UpstreamClient client,
                     GatewayMetrics metrics, OAuthTokens tokens, UpstreamHandshakes handshakes) {
        this.servers = servers;
        this.policies = policies;
        this.client = client;
        this.metrics = metrics;
        this.tokens = tokens;
        this.handshakes = handshakes;
    }

    @Override
    public Response handle(Exchange ex, Chain chain) {
        if (ex.endpoint() != Endpoint.MCP) {
            return chain.proceed(ex);
        }
        Optional<String> single = ex.path().length() > 5 ? Optional.of(ex.path().substring(5)) : Optional.empty();
        Optional<McpGrant> access = ex.attr(CoreAttrs.CALLER).map(k -> McpGrant.of(k, policies))
                .map(g -> ex.attr(McpAnonymousFilterFactory.CEILING).map(c -> g.with(c.layer())).orElse(g));
        Optional<String> version = ex.requestHeaders().first("mcp-protocol-version");
        if (version.isPresent() && !McpProtocol.SUPPORTED.contains(version.get())) {
            return rpcError(400, NullNode.getInstance(), McpProtocol.INVALID_REQUEST, "unsupported MCP-Protocol-Version '"
                    + version.get() + "' (supported: " + String.join(", ", McpProtocol.SUPPORTED) + ")", null);
        }
        if (single.isPresent()) {
            McpServer s = servers.get(single.get());
            if (s == null) {
                return rpcError(404, NullNode.getInstance(), McpProtocol.INVALID_REQUEST, "no MCP server '"
                        + single.get() + "' (mcp_servers)", "unknown_server");
            }
            ex.attr(CoreAttrs.MCP_SERVER, s.name());
            if (access.isPresent() && !access.get().mayUseServer(s.name())) {
                return rpcError(403, NullNode.getInstance(), McpProtocol.INVALID_REQUEST, "this API key may not use "
                        + "MCP server '" + s.name() + "' (mcp_access, mcp_policies)", "forbidden");
            }
        } else if (access.isPresent() && access.get().none()) {
            return rpcError(403, NullNode.getInstance(), McpProtocol.INVALID_REQUEST,
                    "this API key has no MCP access (mcp_access, mcp_policies)", "forbidden");
        }
        JsonNode msg;
        try {
            msg = Json.mapper().readTree(ex.body());
        } catch (IOException e) {
            return rpcError(400, NullNode.getInstance(), McpProtocol.PARSE_ERROR, "request body is not JSON", null);
        }
        if (msg == null || !msg.isObject()) {
            return rpcError(400, NullNode.getInstance(), McpProtocol.INVALID_REQUEST, msg != null && msg.isArray()
                    ? "JSON-RPC batches are not supported" : "request body must be a JSON-RPC message", null);
        }
        if (!msg.has("method")) {
            if (msg.has("id") && (msg.has("result") || msg.has("error"))) {
                return accepted(); // a response to a server request: none are sent in stateless mode
            }
            return rpcError(400, id(msg), McpProtocol.INVALID_REQUEST, "'method' is required", null);
        }
        if (!msg.path("method").isTextual() || !"2.0".equals(msg.path("jsonrpc").asText())) {
            return rpcError(400, id(msg), McpProtocol.INVALID_REQUEST, "not a JSON-RPC 2.0 request", null);
        }
        if (!msg.has("id")) {
            return accepted(); // a notification
        }
        JsonNode id = msg.get("id");
        if (!(id.isTextual() || id.isIntegralNumber())) {
            return rpcError(400, NullNode.getInstance(), McpProtocol.INVALID_REQUEST, "'id' must be a string or an "
                    + "integer", null);
        }
        JsonNode params = msg.path("params");
        return switch (msg.get("method").asText()) {
            case "initialize" -> initialize(id, params, single);
            case "ping" -> ok(id, Json.mapper().createObjectNode());
            case "tools/list" -> list(id, single, access, Family.TOOLS);
            case "tools/call" -> callTool(ex, id, params, single, access);
            case "resources/list" -> list(id, single, access, Family.RESOURCES);
            case "resources/templates/list" -> list(id, single, access, Family.RESOURCE_TEMPLATES);
            case "resources/read" -> routed(ex, id, params, single, access, Family.RESOURCES, "resources/read");
            case "prompts/list" -> list(id, single, access, Family.PROMPTS);
            case "prompts/get" -> routed(ex, id, params, single, access, Family.PROMPTS, "prompts/get");
            default -> rpcError(200, id, McpProtocol.METHOD_NOT_FOUND, "method '" + msg.get("method").asText()
                    + "' is not served by this gateway", null);
        };
    }

    private Response initialize(JsonNode id, JsonNode params, Optional<String> single) {
        String asked = params.path("protocolVersion").asText("");
        ObjectNode result = Json.mapper().createObjectNode();
        // the spec: answer the client's revision when supported, else the latest this side speaks
        result.put("protocolVersion", McpProtocol.SUPPORTED.contains(asked) ? asked : McpProtocol.LATEST);
        ObjectNode caps = result.putObject("capabilities");
        caps.putObject("tools").put("listChanged", false);
        caps.putObject("resources").put("listChanged", false).put("subscribe", false);
        caps.putObject("prompts").put("listChanged", false);
        result.putObject("serverInfo").put("name", single.map(s -> "aisix-mcp-gateway/" + s).orElse("aisix-mcp-gateway"))
                .put("version", McpProtocol.GATEWAY_VERSION);
        return ok(id, result);
    }

    /**
     * What a list method lists: the result field holding the items, the item field that names an
     * item (namespaced {@code <server>__<value>} on {@code /mcp}), and the upstream capability
     * without which the server is not asked.
     */
    enum Family {
        TOOLS("tools/list", "tools", "name", "tools"),
        RESOURCES("resources/list", "resources", "uri", "resources"),
        RESOURCE_TEMPLATES("resources/templates/list", "resourceTemplates", "uriTemplate", "resources"),
        PROMPTS("prompts/list", "prompts", "name", "prompts");

        final String method;
        final String items;
        final String key;
        final String capability;

        Family(String method, String items, String key, String capability) {
            this.method = method;
            this.items = items;
            this.key = key;
            this.capability = capability;
        }
    }

    private Response list(JsonNode id, Optional<String> single, Optional<McpGrant> access, Family family) {
        List<McpServer> targets = new ArrayList<>();
        if (single.isPresent()) {
            targets.add(servers.get(single.get()));
        } else {
            for (McpServer s : servers.values()) {
                if (access.isEmpty() || access.get().mayUseServer(s.name())) {
                    targets.add(s);
                }
            }
        }
        List<List<JsonNode>> lists = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<JsonNode>>> futures = new ArrayList<>();
            for (McpServer s : targets) {
                futures.add(pool.submit(() -> upstreamList(s, family)));
            }
            for (int i = 0; i < targets.size(); i++) {
                McpServer s = targets.get(i);
                try {
                    lists.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    String why = e.getCause() instanceof UpstreamSession.UpstreamFailure f ? f.getMessage()
                            : "MCP server '" + s.name() + "' failed: " + e.getCause();
                    metrics.increment(LIST_FAILURES, "server", s.name(), "method", family.method);
                    if (single.isPresent()) {
                        return rpcError(200, id, McpProtocol.INTERNAL_ERROR, why, "upstream_unavailable");
                    }
                    LOG.warning(family.method + ": " + why + "; its " + family.items + " are left out of the aggregated list");
                    lists.add(List.of());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return rpcError(200, id, McpProtocol.INTERNAL_ERROR, "interrupted", null);
                }
            }
        }
        ArrayNode items = Json.mapper().createArrayNode();
        for (int i = 0; i < targets.size(); i++) {
            McpServer s = targets.get(i);
            for (JsonNode t : lists.get(i)) {
                String key = t.path(family.key).asText("");
                if (key.isEmpty() || !visible(s, family, key, access)) {
                    continue;
                }
                ObjectNode copy = ((ObjectNode) t).deepCopy();
                if (single.isEmpty()) {
                    copy.put(family.key, s.name() + McpProtocol.SEPARATOR + key);
                }
                items.add(copy);
            }
        }
        ObjectNode result = Json.mapper().createObjectNode();
        result.set(family.items, items);
        return ok(id, result);
    }

    /** Every item a server lists (all pages, bounded); none when it lacks the family's capability. */
    private List<JsonNode> upstreamList(McpServer s, Family family) {
        UpstreamSession session = new UpstreamSession(client, s, tokens, handshakes);
        session.initialize();
        List<JsonNode> out = new ArrayList<>();
        if (!session.capabilities().has(family.capability)) {
            return out;
        }
        String cursor = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            ObjectNode params = Json.mapper().createObjectNode();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode result = session.result(session.request(family.method, params), family.method);
            for (JsonNode t : result.path(family.items)) {
                if (t.isObject()) {
                    out.add(t);
                }
            }
            cursor = result.path("nextCursor").isTextual() ? result.get("nextCursor").asText() : null;
            if (cursor == null) {
                break;
            }
        }
        return out;
    }

    /**
     * Whether the caller sees an item: a tool by {@code allowed_tools} and its namespaced name in
     * the grant, a prompt by its namespaced name in the grant; resources and templates (addressed
     * by URI, not by name) with their server.
     */
    private static boolean visible(McpServer s, Family family, String key, Optional<McpGrant> access) {
        return switch (family) {
            case TOOLS -> usable(s, key, access);
            case PROMPTS -> access.isEmpty() || access.get().allows(s.name() + McpProtocol.SEPARATOR + key);
            case RESOURCES, RESOURCE_TEMPLATES -> access.isEmpty() || access.get().mayUseServer(s.name());
        };
    }

    /**
     * {@code resources/read} and {@code prompts/get}: routed like a tool call by the namespaced
     * {@code uri} or {@code name} on {@code /mcp} (the upstream's own on {@code /mcp/<server>}),
     * checked like a listing, and answered as one JSON response; read contents carry the
     * namespaced URI back.
     */
    private Response routed(Exchange ex, JsonNode id, JsonNode params, Optional<String> single,
                            Optional<McpGrant> access, Family family, String method) {
        JsonNode keyNode = params.path(family.key);
        if (!keyNode.isTextual() || keyNode.asText().isEmpty()) {
            return rpcError(200, id, McpProtocol.INVALID_PARAMS, method + " needs params." + family.key, null);
        }
        String key = keyNode.asText();
        McpServer server;
        String upstreamKey;
        if (single.isPresent()) {
            server = servers.get(single.get());
            upstreamKey = key;
        } else {
            int sep = key.indexOf(McpProtocol.SEPARATOR);
            server = sep > 0 ? servers.get(key.substring(0, sep)) : null;
            if (server == null) {
                return rpcError(200, id, McpProtocol.INVALID_PARAMS, "unknown " + family.key + " '" + key
                        + "' (namespaced <server>__" + family.key + ")", "unknown_" + family.key);
            }
            upstreamKey = key.substring(sep + McpProtocol.SEPARATOR.length());
        }
        ex.attr(CoreAttrs.MCP_SERVER, server.name());
        if (!visible(server, family, upstreamKey, access)) {
            return rpcError(200, id, McpProtocol.INVALID_PARAMS, "'" + key + "' is not allowed for this API key "
                    + "(mcp_access, mcp_policies)", "forbidden");
        }
        ObjectNode p = ((ObjectNode) params).deepCopy();
        p.put(family.key, upstreamKey);
        JsonNode answer;
        try {
            UpstreamSession session = new UpstreamSession(client, server, tokens, handshakes);
            session.initialize();
            answer = session.request(method, p);
        } catch (UpstreamSession.UpstreamFailure e) {
            return rpcError(200, id, McpProtocol.INTERNAL_ERROR, e.getMessage(), "upstream_unavailable");
        }
        ObjectNode out = ((ObjectNode) answer).deepCopy();
        out.set("id", id);
        if (single.isEmpty() && family == Family.RESOURCES) {
            for (JsonNode c : out.path("result").path("contents")) {
                if (c.isObject() && c.path("uri").isTextual()) {
                    ((ObjectNode) c).put("uri", server.name() + McpProtocol.SEPARATOR + c.get("uri").asText());
                }
            }
        }
        return Response.json(McpProtocol.bytes(out));
    }

    private static boolean usable(McpServer s, String tool, Optional<McpGrant> access) {
        return s.exposes(tool) && (access.isEmpty() || access.get().allows(s.name() + McpProtocol.SEPARATOR + tool));
    }

    private Response callTool(Exchange ex, JsonNode id, JsonNode params, Optional<String> single,
                              Optional<McpGrant> access) {
        JsonNode nameNode = params.path("name");
        if (!nameNode.isTextual() || nameNode.asText().isEmpty()) {
            return rpcError(200, id, McpProtocol.INVALID_PARAMS, "tools/call needs params.name", null);
        }
        String name = nameNode.asText();
        McpServer server;
        String tool;
        if (single.isPresent()) {
            server = servers.get(single.get());
            tool = name;
        } else {
            int sep = name.indexOf(McpProtocol.SEPARATOR);
            server = sep > 0 ? servers.get(name.substring(0, sep)) : null;
            if (server == null) {
                return rpcError(200, id, McpProtocol.INVALID_PARAMS, "unknown tool '" + name
                        + "' (tools are named <server>__<tool>)", "unknown_tool");
            }
            tool = name.substring(sep + McpProtocol.SEPARATOR.length());
        }
        ex.attr(CoreAttrs.MCP_SERVER, server.name());
        ex.attr(CoreAttrs.ALIAS, server.name() + McpProtocol.SEPARATOR + tool);
        if (!usable(server, tool, access)) {
            metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "forbidden");
            return rpcError(200, id, McpProtocol.INVALID_PARAMS, "tool '" + name + "' is not allowed"
                    + (server.exposes(tool) ? " for this API key (mcp_access, mcp_policies)" : " by MCP server '" + server.name()
                    + "' (allowed_tools)"), "forbidden");
        }
        ObjectNode p = ((ObjectNode) params).deepCopy();
        p.put("name", tool);
        Optional<String> refused = ToolGuards.arguments(ex, server, p);
        if (refused.isPresent()) {
            metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "blocked");
            return rpcError(200, id, McpProtocol.INVALID_PARAMS, refused.get(), "content_filter");
        }
        UpstreamSession session = new UpstreamSession(client, server, tokens, handshakes);
        UpstreamResponse r;
        long upstreamId;
        try {
            session.initialize();
            upstreamId = session.nextId();
            ObjectNode call = Json.mapper().createObjectNode().put("jsonrpc", "2.0").put("id", upstreamId)
                    .put("method", "tools/call");
            call.set("params", p);
            r = session.call(call);
        } catch (UpstreamSession.UpstreamFailure e) {
            metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "upstream_error");
            return rpcError(200, id, McpProtocol.INTERNAL_ERROR, e.getMessage(), "upstream_unavailable");
        }
        if (UpstreamSession.isEventStream(r)) {
            return Response.stream(new Relay(ex, r, session, server, id, upstreamId));
        }
        try (r) {
            JsonNode answer = Json.mapper().readTree(r.readAll());
            if (answer == null || !answer.isObject()) {
                throw new IOException("not a JSON-RPC message");
            }
            ((ObjectNode) answer).set("id", id);
            Optional<String> withheld = ToolGuards.result(ex, server, answer);
            if (withheld.isPresent()) {
                metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "blocked");
                return rpcError(200, id, McpProtocol.INTERNAL_ERROR, withheld.get(), "content_filter");
            }
            count(server, answer);
            return Response.json(McpProtocol.bytes(answer));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "upstream_error");
            return rpcError(200, id, McpProtocol.INTERNAL_ERROR, "MCP server '" + server.name()
                    + "' answered tools/call with invalid JSON", "upstream_unavailable");
        } catch (IOException | RuntimeException e) {
            UpstreamSession.UpstreamFailure f = session.failure(e instanceof UncheckedIOException u ? u.getCause() : e,
                    "tools/call");
            metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "upstream_error");
            return rpcError(200, id, McpProtocol.INTERNAL_ERROR, f.getMessage(), "upstream_unavailable");
        }
    }

    private void count(McpServer server, JsonNode answer) {
        String outcome = answer.has("error") ? "error" : answer.path("result").path("isError").asBoolean(false)
                ? "tool_error" : "ok";
        metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", outcome);
    }

    /**
     * Relays an upstream event stream: notifications pass as they come, the response to the
     * forwarded call gets the caller's id and ends the stream; requests from the upstream are
     * dropped (with no session, the caller's reply could not be routed back). A failure mid-way
     * ends the stream with a JSON-RPC error for the caller's id, not an abrupt cut.
     */
    private final class Relay implements EventStream {
        private final Exchange exchange;
        private final UpstreamResponse response;
        private final UpstreamSession session;
        private final McpServer server;
        private final JsonNode callerId;
        private final long upstreamId;
        private final SseReader reader;
        private boolean done;

        Relay(Exchange exchange, UpstreamResponse response, UpstreamSession session, McpServer server,
              JsonNode callerId, long upstreamId) {
            this.exchange = exchange;
            this.response = response;
            this.session = session;
            this.server = server;
            this.callerId = callerId;
            this.upstreamId = upstreamId;
            this.reader = new SseReader(response.body());
        }

        @Override
        public Optional<SseEvent> next() {
            while (!done) {
                Optional<SseEvent> e;
                JsonNode m;
                try {
                    e = reader.next();
                    if (e.isEmpty()) {
                        return fail("MCP server '" + server.name() + "' ended its stream without answering tools/call");
                    }
                    if (e.get().data().isBlank()) {
                        continue; // an event that only primes a resumption id
                    }
                    m = Json.mapper().readTree(e.get().data());
                } catch (IOException | RuntimeException x) {
                    Throwable cause = x instanceof UncheckedIOException u ? u.getCause() : x;
                    return fail(cause instanceof com.fasterxml.jackson.core.JacksonException
                            ? "MCP server '" + server.name() + "' sent invalid JSON in its stream"
                            : session.failure(cause, "tools/call").getMessage());
                }
                if (m == null || !m.isObject()) {
                    continue;
                }
                if (m.has("method")) {
                    if (m.has("id")) {
                        continue; // a server-to-client request: not relayable without a session
                    }
                    return Optional.of(new SseEvent("message", new String(McpProtocol.bytes(m), StandardCharsets.UTF_8)));
                }
                if (m.path("id").asLong(-1) == upstreamId) {
                    done = true;
                    ((ObjectNode) m).set("id", callerId);
                    Optional<String> withheld = ToolGuards.result(exchange, server, m);
                    if (withheld.isPresent()) {
                        metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "blocked");
                        ObjectNode err = McpProtocol.error(callerId, McpProtocol.INTERNAL_ERROR, withheld.get(),
                                "content_filter");
                        return Optional.of(new SseEvent("message", new String(McpProtocol.bytes(err),
                                StandardCharsets.UTF_8)));
                    }
                    count(server, m);
                    return Optional.of(new SseEvent("message", new String(McpProtocol.bytes(m), StandardCharsets.UTF_8)));
                }
            }
            return Optional.empty();
        }

        private Optional<SseEvent> fail(String message) {
            done = true;
            metrics.increment(TOOL_CALLS, "server", server.name(), "outcome", "upstream_error");
            ObjectNode err = McpProtocol.error(callerId, McpProtocol.INTERNAL_ERROR, message, "upstream_unavailable");
            return Optional.of(new SseEvent("message", new String(McpProtocol.bytes(err), StandardCharsets.UTF_8)));
        }

        @Override
        public void close() {
            response.close();
        }
    }

    private static JsonNode id(JsonNode msg) {
        JsonNode id = msg.get("id");
        return id == null ? NullNode.getInstance() : id;
    }

    private static Response ok(JsonNode id, JsonNode result) {
        return Response.json(McpProtocol.bytes(McpProtocol.result(id, result)));
    }

    private static Response accepted() {
        return new Response.Full(202, Headers.empty(), "application/json", new byte[0]);
    }

    private static Response rpcError(int status, JsonNode id, int code, String message, String reason) {
        return Response.json(status, McpProtocol.bytes(McpProtocol.error(id, code, message, reason)));
    }
}
