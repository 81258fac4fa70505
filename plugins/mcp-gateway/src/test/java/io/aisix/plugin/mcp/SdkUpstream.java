package io.aisix.plugin.mcp;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessServerFeatures;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/**
 * An upstream MCP server made with the official MCP Java SDK (its stateless server: tools,
 * initialize, JSON-RPC handling), served over Streamable HTTP on a loopback Helidon listener.
 * The HTTP glue is this class's; everything MCP is the SDK's. It requires a credential header
 * when given one, and can answer as an event stream to exercise the gateway's SSE relay.
 */
final class SdkUpstream implements McpStatelessServerTransport, AutoCloseable {
    private final McpJsonMapper mapper = McpJsonDefaults.getMapper();
    private final String authHeader;
    private final String authValue;
    private final boolean sse;
    private final WebServer web;
    private final McpStatelessSyncServer server;
    private volatile McpStatelessServerHandler handler;
    /** The credential header of every request seen, and every method. */
    final List<String> seenAuth = new CopyOnWriteArrayList<>();
    final List<String> methods = new CopyOnWriteArrayList<>();
    final List<String> callerHeaders = new CopyOnWriteArrayList<>();
    /** When set, initialize issues an Mcp-Session-Id and later requests must carry a live one (404 otherwise). */
    volatile boolean sessions;
    private final java.util.Set<String> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger issued = new java.util.concurrent.atomic.AtomicInteger();

    SdkUpstream(String name, String authHeader, String authValue, boolean sse, List<String> toolNames) {
        this.authHeader = authHeader;
        this.authValue = authValue;
        this.sse = sse;
        this.web = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.post("/mcp", this::post).any("/mcp", (q, s) -> s.status(Status.METHOD_NOT_ALLOWED_405)
                        .send()))
                .build().start();
        McpServer.StatelessSyncSpecification spec = McpServer.sync(this).serverInfo(name, "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).resources(false, false).prompts(false)
                        .build());
        // one resource, one template and one prompt, for the aggregation of resources and prompts
        spec.resources(new McpStatelessServerFeatures.SyncResourceSpecification(
                McpSchema.Resource.builder("note://" + name + "/readme", "readme").mimeType("text/plain").build(),
                (ctx, req) -> {
                    methods.add("resources/read:" + req.uri());
                    return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(req.uri(),
                            "text/plain", name + " readme")));
                }));
        spec.resourceTemplates(new McpStatelessServerFeatures.SyncResourceTemplateSpecification(
                new McpSchema.ResourceTemplate("note://" + name + "/topics/{topic}", "topic", "a topic", "text/plain", null),
                (ctx, req) -> new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(req.uri(),
                        "text/plain", name + " topic " + req.uri().substring(req.uri().lastIndexOf('/') + 1))))));
        spec.prompts(new McpStatelessServerFeatures.SyncPromptSpecification(
                new McpSchema.Prompt("greet", "a greeting", List.of(new McpSchema.PromptArgument("who", "whom", true))),
                (ctx, req) -> new McpSchema.GetPromptResult("greeting", List.of(new McpSchema.PromptMessage(
                        McpSchema.Role.USER, new McpSchema.TextContent(name + " greets " + req.arguments().get("who")))))));
        for (String t : toolNames) {
            McpSchema.Tool tool = McpSchema.Tool.builder().name(t).description(name + " " + t)
                    .inputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}")
                    .build();
            spec.toolCall(tool, (ctx, req) -> {
                Object text = req.arguments() == null ? null : req.arguments().get("text");
                if ("fail".equals(text)) {
                    return McpSchema.CallToolResult.builder().addTextContent("tool failed").isError(true).build();
                }
                return McpSchema.CallToolResult.builder().addTextContent(name + "/" + t + ":" + text).build();
            });
        }
        this.server = spec.build();
    }

    String url() {
        return "http://127.0.0.1:" + web.port() + "/mcp";
    }

    private void post(ServerRequest req, ServerResponse res) throws IOException {
        String auth = authHeader == null ? null : req.headers().first(HeaderNames.create(authHeader)).orElse(null);
        seenAuth.add(String.valueOf(auth));
        req.headers().first(HeaderNames.create("x-caller-marker")).ifPresent(callerHeaders::add);
        if (authHeader != null && !authValue.equals(auth)) {
            res.status(Status.UNAUTHORIZED_401).send();
            return;
        }
        String body = req.content().as(String.class);
        McpSchema.JSONRPCMessage m = McpSchema.deserializeJsonRpcMessage(mapper, body);
        boolean init = m instanceof McpSchema.JSONRPCRequest q && q.method().equals("initialize");
        if (sessions && !init && !live.contains(req.headers().first(HeaderNames.create("mcp-session-id")).orElse(""))) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        if (sessions && init) {
            String id = "s-" + issued.incrementAndGet();
            live.add(id);
            res.header(HeaderNames.create("mcp-session-id"), id);
        }
        if (m instanceof McpSchema.JSONRPCRequest r) {
            methods.add(r.method());
            McpSchema.JSONRPCResponse out = handler.handleRequest(McpTransportContext.EMPTY, r).block();
            String json = mapper.writeValueAsString(out);
            if (sse) {
                res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
                try (OutputStream o = res.outputStream()) {
                    if (r.method().equals("tools/call")) {
                        // a progress-like notification before the answer, as a real server may send
                        o.write(("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                                + "\"params\":{\"level\":\"info\",\"data\":\"working\"}}\n\n").getBytes(StandardCharsets.UTF_8));
                        o.flush();
                    }
                    o.write(("event: message\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
            } else {
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(json);
            }
        } else if (m instanceof McpSchema.JSONRPCNotification n) {
            methods.add(n.method());
            handler.handleNotification(McpTransportContext.EMPTY, n).block();
            res.status(Status.ACCEPTED_202).send();
        } else {
            res.status(Status.ACCEPTED_202).send();
        }
    }

    /** Ends every session, as a restarted server would. */
    void forgetSessions() {
        live.clear();
    }

    /** How many initialize requests reached this server. */
    long initializations() {
        return methods.stream().filter("initialize"::equals).count();
    }

    @Override
    public void setMcpHandler(McpStatelessServerHandler handler) {
        this.handler = handler;
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.empty();
    }

    @Override
    public void close() {
        // also the transport's close, which the SDK server's own close calls: stopping the listener is all
        if (web.isRunning()) {
            web.stop();
        }
    }

    static Map<String, Object> args(String text) {
        return Map.of("text", text);
    }
}
