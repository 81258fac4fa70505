package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessServerFeatures;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The MCP gateway on the installed product: the tarball's gateway on a real etcd, two upstream
 * MCP servers made with the official MCP Java SDK (one answering JSON behind a bearer token, one
 * answering event streams behind an API-key header), one upstream that is down, {@code mcp_servers}
 * and caller keys with {@code mcp_access} written through the Admin API, and an SDK client as the
 * caller on {@code /mcp} and {@code /mcp/<server>}.
 */
@Timeout(180)
class McpDistIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The SDK's default JSON Schema validator needs networknt 3.x, and this module's tests pin 1.5.9
     * for their own schema checks; no tool here declares an output schema, so nothing is validated.
     */
    static final JsonSchemaValidator NO_SCHEMAS = (schema, value) -> JsonSchemaValidator.ValidationResponse.asValid(null);

    @TempDir
    static Path dir;
    static EtcdServer etcd;
    static InstalledGateway gw;
    static Upstream alpha;
    static Upstream beta;
    static Upstream gamma;
    static LoopbackHttpServer idp;
    static String alphaId;

    @BeforeAll
    static void start() throws IOException {
        etcd = EtcdServer.start();
        alpha = new Upstream("alpha", "authorization", "Bearer alpha-gw-token", false);
        beta = new Upstream("beta", "x-api-key", "beta-gw-key", true);
        gamma = new Upstream("gamma", "authorization", "Bearer dist-oauth-token", false);
        idp = LoopbackHttpServer.start();
        idp.route("/oauth/token", req -> LoopbackHttpServer.Reply.json(200,
                "{\"access_token\":\"dist-oauth-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
        int down;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            down = s.getLocalPort();
        }
        gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                metrics: { addr: 127.0.0.1:0 }
                etcd: { endpoints: [%s], prefix: /aisix }
                """.formatted(etcd.endpoint()), Map.of("JAVA_OPTS", "-Xms64m -Xmx128m"), null);
        alphaId = create("mcp_servers", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\",\"auth_type\":\"bearer\","
                + "\"secret\":\"alpha-gw-token\",\"allowed_tools\":[\"echo\",\"add\"]}");
        create("mcp_servers", "{\"display_name\":\"beta\",\"url\":\"" + beta.url() + "\",\"auth_type\":\"api_key\","
                + "\"secret\":\"beta-gw-key\"}");
        create("mcp_servers", "{\"name\":\"gamma\",\"url\":\"" + gamma.url() + "\",\"auth_type\":\"oauth2\","
                + "\"client_id\":\"aisix\",\"secret\":\"gamma-client-secret\",\"token_url\":\"" + idp.url("/oauth/token")
                + "\",\"scopes\":[\"mcp\"],\"allowed_tools\":[\"echo\"]}");
        create("mcp_servers", "{\"name\":\"down\",\"url\":\"http://127.0.0.1:" + down + "/mcp\",\"timeout_ms\":3000}");
        create("api_keys", "{\"display_name\":\"agent\",\"key\":\"sk-mcp-agent-0123456789\","
                + "\"mcp_access\":{\"allow\":[\"*\"],\"deny\":[\"beta__search\"]}}");
        create("api_keys", "{\"display_name\":\"alpha-only\",\"key\":\"sk-mcp-alpha-0123456789\","
                + "\"mcp_access\":{\"allow\":[\"alpha__*\"]}}");
        create("api_keys", "{\"display_name\":\"limited\",\"key\":\"sk-mcp-limited-0123456789\","
                + "\"rate_limit\":{\"rpd\":2},\"mcp_access\":{\"allow\":[\"alpha__*\"]}}");
        create("api_keys", "{\"display_name\":\"chat-only\",\"key\":\"sk-mcp-none-0123456789\"}");
        eventually("the MCP gateway serves the configured servers", Duration.ofSeconds(20), () ->
                gw.proxy("POST", "/mcp/alpha", "sk-mcp-alpha-0123456789",
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (idp != null) {
            idp.close();
        }
        for (Upstream u : new Upstream[] {alpha, beta, gamma}) {
            if (u != null) {
                u.close();
            }
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    static String create(String kind, String json) {
        HttpResponse<String> r = gw.admin("POST", "/admin/v1/" + kind, json);
        assertEquals(201, r.statusCode(), kind + ": " + r.body());
        return read(r.body()).get("id").asText();
    }

    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static McpSyncClient client(String path, String key) {
        HttpClientStreamableHttpTransport t = HttpClientStreamableHttpTransport
                .builder("http://127.0.0.1:" + gw.port("proxy")).endpoint(path)
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("authorization", "Bearer " + key))
                .build();
        return McpClient.sync(t).requestTimeout(Duration.ofSeconds(30)).jsonSchemaValidator(NO_SCHEMAS).build();
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    static List<String> names(McpSchema.ListToolsResult r) {
        return r.tools().stream().map(McpSchema.Tool::name).sorted().toList();
    }

    @Test
    void anSdkClientSeesTheNamespacedToolsOfBothUpstreamsAndCallsThem() {
        try (McpSyncClient c = client("/mcp", "sk-mcp-agent-0123456789")) {
            c.initialize();
            // alpha exposes echo and add only (allowed_tools); beta__search is denied by the key
            assertEquals(List.of("alpha__add", "alpha__echo", "beta__add", "beta__echo", "beta__secret_tool", "gamma__echo"),
                    names(c.listTools()));
            assertEquals("alpha/echo:hi", text(c.callTool(new McpSchema.CallToolRequest("alpha__echo", Map.of("text", "hi")))));
            assertEquals("beta/echo:yo", text(c.callTool(new McpSchema.CallToolRequest("beta__echo", Map.of("text", "yo")))));
            McpError denied = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("beta__search", Map.of("text", "x"))));
            assertTrue(denied.getMessage().contains("not allowed"), denied.getMessage());
            McpError hidden = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("alpha__secret_tool", Map.of("text", "x"))));
            assertTrue(hidden.getMessage().contains("allowed_tools"), hidden.getMessage());
            McpError down = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("down__echo", Map.of("text", "x"))));
            assertTrue(down.getMessage().contains("MCP server 'down' could not be reached"), down.getMessage());
        }
        assertTrue(alpha.seenAuth.contains("Bearer alpha-gw-token"), alpha.seenAuth.toString());
        assertFalse(alpha.seenAuth.stream().anyMatch(a -> a.contains("sk-mcp")), "the caller's key never reaches an upstream");
        assertTrue(beta.seenAuth.stream().allMatch("beta-gw-key"::equals), beta.seenAuth.toString());
        assertFalse(beta.methods.contains("tools/call:search"), "a forbidden call never reaches the upstream");
        String[] seen = {""};
        eventually("tool calls are counted", Duration.ofSeconds(10), () -> (seen[0] = gw.get("metrics", "/metrics").body())
                .lines().anyMatch(l -> l.startsWith("aisix_mcp_tool_calls_total{") && l.contains("server=\"beta\"")
                        && l.contains("outcome=\"ok\"")));
        assertTrue(seen[0].lines().anyMatch(l -> l.startsWith("aisix_requests_total{") && l.contains("route=\"/mcp\"")),
                "requests on /mcp are counted with the rest");
        // one access-log line per tool call, its alias the namespaced tool
        eventually("tool calls in the access log", Duration.ofSeconds(10), () -> gw.stderr().lines().anyMatch(l ->
                l.contains("\"route\":\"/mcp\"") && l.contains("\"alias\":\"beta__echo\"")));
    }

    @Test
    void anOauth2ServerIsCalledWithAClientCredentialsToken() {
        try (McpSyncClient c = client("/mcp/gamma", "sk-mcp-agent-0123456789")) {
            c.initialize();
            assertEquals(List.of("echo"), names(c.listTools()));
            assertEquals("gamma/echo:o", text(c.callTool(new McpSchema.CallToolRequest("echo", Map.of("text", "o")))));
        }
        assertTrue(gamma.seenAuth.stream().allMatch("Bearer dist-oauth-token"::equals), gamma.seenAuth.toString());
        RecordedRequest t = idp.requests().get(0);
        assertTrue(t.bodyText().contains("grant_type=client_credentials") && t.bodyText().contains("scope=mcp"), t.bodyText());
        assertTrue(t.header("authorization").orElse("").startsWith("Basic "), "client_secret_basic");
        assertFalse(gw.stdout().contains("dist-oauth-token") || gw.stderr().contains("dist-oauth-token"), "no token in logs");
        assertFalse(gw.stdout().contains("gamma-client-secret") || gw.stderr().contains("gamma-client-secret"));
    }

    @Test
    void singleServerEndpointAndCallerAccess() {
        try (McpSyncClient c = client("/mcp/alpha", "sk-mcp-alpha-0123456789")) {
            c.initialize();
            assertEquals(List.of("add", "echo"), names(c.listTools()));
            assertEquals("alpha/add:2", text(c.callTool(new McpSchema.CallToolRequest("add", Map.of("text", "2")))));
        }
        HttpResponse<String> r = gw.proxy("POST", "/mcp/beta", "sk-mcp-alpha-0123456789",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        assertEquals(403, r.statusCode(), r.body());
        r = gw.proxy("POST", "/mcp", "sk-mcp-none-0123456789", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        assertEquals(403, r.statusCode(), "a key without mcp_access: " + r.body());
        assertEquals(401, gw.proxy("POST", "/mcp", null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode());
        r = gw.proxy("POST", "/mcp", "sk-mcp-agent-0123456789", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        assertEquals(202, r.statusCode(), r.body());
        r = gw.proxy("GET", "/mcp", "sk-mcp-agent-0123456789", null);
        assertEquals(405, r.statusCode(), "no server-initiated stream in stateless mode: " + r.body());
        r = gw.proxy("POST", "/mcp/nosuch", "sk-mcp-agent-0123456789", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertEquals(404, r.statusCode(), r.body());
    }

    @Test
    void theKeysRateLimitMetersToolCallsOnly() {
        String list = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
        String call = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\","
                + "\"arguments\":{\"text\":\"r\"}}}";
        for (int i = 0; i < 3; i++) {
            assertEquals(200, gw.proxy("POST", "/mcp", "sk-mcp-limited-0123456789", list).statusCode());
        }
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = gw.proxy("POST", "/mcp", "sk-mcp-limited-0123456789", call);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("alpha/echo:r"), r.body());
        }
        HttpResponse<String> r = gw.proxy("POST", "/mcp", "sk-mcp-limited-0123456789", call);
        assertEquals(429, r.statusCode(), "rpd 2: the third tool call of the day: " + r.body());
        assertEquals(200, gw.proxy("POST", "/mcp", "sk-mcp-limited-0123456789", list).statusCode(), "listing stays free");
    }

    @Test
    void guardrailsCheckToolArgumentsAndResults() {
        // input: a keyword guardrail attached to server alpha only; output: a PII mask on every call
        String in = create("guardrails", "{\"name\":\"mcp-no-launch\",\"kind\":\"keyword\",\"hook_point\":\"input\","
                + "\"patterns\":[{\"value\":\"launch codes\"}]}");
        create("guardrail_attachments", "{\"guardrail_id\":\"" + in + "\",\"scope_type\":\"mcp_server\",\"scope_id\":\""
                + alphaId + "\",\"priority\":1}");
        String out = create("guardrails", "{\"name\":\"mcp-out-pii\",\"kind\":\"pii\",\"hook_point\":\"output\","
                + "\"detectors\":[{\"type\":\"email\"}]}");
        create("guardrail_attachments", "{\"guardrail_id\":\"" + out + "\",\"scope_type\":\"env\",\"priority\":1}");
        String call = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\","
                + "\"arguments\":{\"text\":\"the launch codes\"}}}";
        HttpResponse<String>[] last = new HttpResponse[1];
        eventually("the guardrails are in force", Duration.ofSeconds(20), () ->
                (last[0] = gw.proxy("POST", "/mcp", "sk-mcp-agent-0123456789", call)).body().contains("content_filter"));
        JsonNode err = read(last[0].body()).path("error");
        assertEquals(-32602, err.path("code").asInt(), last[0].body());
        assertTrue(err.path("message").asText().contains("guardrail 'mcp-no-launch'"), last[0].body());
        long calls = alpha.methods.stream().filter(m -> m.startsWith("tools/call:")).count();
        try (McpSyncClient c = client("/mcp", "sk-mcp-agent-0123456789")) {
            c.initialize();
            McpError blocked = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("alpha__echo", Map.of("text", "Launch Codes now"))));
            assertTrue(blocked.getMessage().contains("guardrail 'mcp-no-launch'"), blocked.getMessage());
            // scoped to alpha: the same words reach beta
            assertEquals("beta/echo:launch codes", text(c.callTool(new McpSchema.CallToolRequest("beta__echo",
                    Map.of("text", "launch codes")))));
            for (String tool : List.of("alpha__echo", "beta__echo")) { // JSON and event-stream answers
                String masked = text(c.callTool(new McpSchema.CallToolRequest(tool, Map.of("text", "mail bob@example.com"))));
                assertFalse(masked.contains("bob@example.com"), masked);
                assertTrue(masked.endsWith("echo:mail [EMAIL_REDACTED]"), masked);
            }
        }
        assertEquals(calls + 1, alpha.methods.stream().filter(m -> m.startsWith("tools/call:")).count(),
                "only the clean call reached alpha");
        String[] seen = {""};
        eventually("blocked calls are counted", Duration.ofSeconds(10), () -> (seen[0] = gw.get("metrics", "/metrics").body())
                .lines().anyMatch(l -> l.startsWith("aisix_mcp_tool_calls_total{") && l.contains("server=\"alpha\"")
                        && l.contains("outcome=\"blocked\"")));
        assertTrue(seen[0].lines().anyMatch(l -> l.startsWith("aisix_guardrail_hits_total{")
                && l.contains("guardrail=\"mcp-out-pii\"") && l.contains("action=\"mask\"")), "masks are counted");
    }

    @Test
    void adminApiValidatesAndMasksMcpServers() {
        HttpResponse<String> r = gw.admin("POST", "/admin/v1/mcp_servers", "{\"name\":\"o\",\"url\":\"http://h/mcp\","
                + "\"auth_type\":\"oauth2\",\"secret\":\"s\",\"client_id\":\"c\"}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("/token_url"), r.body());
        r = gw.admin("POST", "/admin/v1/mcp_servers", "{\"name\":\"o\",\"url\":\"http://h/mcp\",\"type\":\"openapi\"}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("openapi servers are not supported"), r.body());
        r = gw.admin("POST", "/admin/v1/mcp_servers", "{\"name\":\"a__b\",\"url\":\"http://h/mcp\"}");
        assertEquals(400, r.statusCode(), r.body());
        r = gw.admin("POST", "/admin/v1/mcp_servers", "{\"name\":\"alpha\",\"url\":\"http://h/mcp\"}");
        assertEquals(409, r.statusCode(), "names are unique: " + r.body());
        r = gw.admin("GET", "/admin/v1/mcp_servers", null);
        assertEquals(200, r.statusCode(), r.body());
        assertFalse(r.body().contains("alpha-gw-token") || r.body().contains("beta-gw-key")
                || r.body().contains("gamma-client-secret"), "secrets are masked: " + r.body());
        assertFalse(gw.stdout().contains("alpha-gw-token") || gw.stderr().contains("alpha-gw-token"), "no secret in logs");
        assertFalse(gw.stdout().contains("sk-mcp-agent") || gw.stderr().contains("sk-mcp-agent"), "no caller key in logs");
    }

    /** An SDK stateless MCP server on a loopback Helidon listener (the HTTP glue only is this class's). */
    static final class Upstream implements McpStatelessServerTransport, AutoCloseable {
        private final McpJsonMapper mapper = McpJsonDefaults.getMapper();
        private final String authHeader;
        private final String authValue;
        private final boolean sse;
        private final WebServer web;
        private volatile McpStatelessServerHandler handler;
        final List<String> seenAuth = new CopyOnWriteArrayList<>();
        final List<String> methods = new CopyOnWriteArrayList<>();

        Upstream(String name, String authHeader, String authValue, boolean sse) {
            this.authHeader = authHeader;
            this.authValue = authValue;
            this.sse = sse;
            this.web = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.post("/mcp", this::post)).build().start();
            McpServer.StatelessSyncSpecification spec = McpServer.sync(this).serverInfo(name, "1.0")
                    .jsonSchemaValidator(NO_SCHEMAS).capabilities(McpSchema.ServerCapabilities.builder().tools(false)
                            .resources(false, false).prompts(false).build());
            spec.resources(new McpStatelessServerFeatures.SyncResourceSpecification(
                    McpSchema.Resource.builder("note://" + name + "/readme", "readme").mimeType("text/plain").build(),
                    (ctx, req) -> new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(req.uri(),
                            "text/plain", name + " readme")))));
            spec.prompts(new McpStatelessServerFeatures.SyncPromptSpecification(
                    new McpSchema.Prompt("greet", "a greeting", List.of(new McpSchema.PromptArgument("who", "whom", true))),
                    (ctx, req) -> new McpSchema.GetPromptResult("greeting", List.of(new McpSchema.PromptMessage(
                            McpSchema.Role.USER, new McpSchema.TextContent(name + " greets " + req.arguments().get("who")))))));
            for (String t : List.of("echo", "add", "search", "secret_tool")) {
                spec.toolCall(McpSchema.Tool.builder().name(t).description(t)
                        .inputSchema(mapper, "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}").build(),
                        (ctx, req) -> {
                            methods.add("tools/call:" + t);
                            return McpSchema.CallToolResult.builder().addTextContent(name + "/" + t + ":"
                                    + req.arguments().get("text")).build();
                        });
            }
            spec.build();
        }

        String url() {
            return "http://127.0.0.1:" + web.port() + "/mcp";
        }

        private void post(ServerRequest req, ServerResponse res) throws IOException {
            String auth = req.headers().first(HeaderNames.create(authHeader)).orElse("");
            seenAuth.add(auth);
            if (!authValue.equals(auth)) {
                res.status(Status.UNAUTHORIZED_401).send();
                return;
            }
            McpSchema.JSONRPCMessage m = McpSchema.deserializeJsonRpcMessage(mapper, req.content().as(String.class));
            if (m instanceof McpSchema.JSONRPCRequest r) {
                methods.add(r.method());
                String json = mapper.writeValueAsString(handler.handleRequest(McpTransportContext.EMPTY, r).block());
                if (sse) {
                    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
                    try (OutputStream o = res.outputStream()) {
                        o.write(("event: message\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                    }
                } else {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json").send(json);
                }
            } else {
                if (m instanceof McpSchema.JSONRPCNotification n) {
                    methods.add(n.method());
                    handler.handleNotification(McpTransportContext.EMPTY, n).block();
                }
                res.status(Status.ACCEPTED_202).send();
            }
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
            if (web.isRunning()) {
                web.stop();
            }
        }
    }
}
