package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.TestUpstreamClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The MCP gateway between the official MCP Java SDK on both sides: an SDK client as the caller,
 * two SDK servers as upstreams (one answering JSON with a bearer credential, one answering event
 * streams with an API-key header) and one upstream that is down.
 */
@Timeout(120)
class McpGatewayTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static SdkUpstream alpha;
    private static SdkUpstream beta;
    private static GatewayFront front;
    private static final TestMetrics METRICS = new TestMetrics();

    @BeforeAll
    static void start() throws Exception {
        alpha = new SdkUpstream("alpha", "authorization", "Bearer alpha-secret", false, List.of("echo", "add", "secret_tool"));
        beta = new SdkUpstream("beta", "x-api-key", "beta-key", true, List.of("echo", "search"));
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens here once closed: the upstream is down
        }
        TestSnapshot snapshot = TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\",\"auth_type\":\"bearer\","
                        + "\"secret\":\"alpha-secret\",\"allowed_tools\":[\"echo\",\"add\"],\"timeout_ms\":5000}")
                .decode(new McpServerKind(), "s2", "{\"display_name\":\"beta\",\"url\":\"" + beta.url() + "\","
                        + "\"auth_type\":\"api_key\",\"secret\":\"beta-key\"}")
                .decode(new McpServerKind(), "s3", "{\"name\":\"down\",\"url\":\"http://127.0.0.1:" + closed + "/mcp\","
                        + "\"timeout_ms\":3000}")
                .decode(new McpServerKind(), "s4", "{\"name\":\"off\",\"url\":\"" + alpha.url() + "\",\"enabled\":false}")
                .decode(CoreKinds.API_KEYS, "k1", GatewayFront.key("sk-all", "\"mcp_access\":{\"allow\":[\"*\"],\"deny\":[\"beta__search\"]}"))
                .decode(CoreKinds.API_KEYS, "k2", GatewayFront.key("sk-alpha", "\"mcp_access\":{\"allow\":[\"alpha__*\"]}"))
                .decode(CoreKinds.API_KEYS, "k3", GatewayFront.key("sk-none", null))
                .build();
        TestPluginContext ctx = new TestPluginContext(METRICS).upstream(new TestUpstreamClient());
        McpGatewayFilterFactory factory = new McpGatewayFilterFactory();
        factory.start(ctx);
        front = GatewayFront.withApiKeys(snapshot, ctx, factory);
    }

    @AfterAll
    static void stop() {
        front.close();
        alpha.close();
        beta.close();
    }

    private static McpSyncClient client(String path, String key) {
        HttpClientStreamableHttpTransport t = HttpClientStreamableHttpTransport.builder(front.url()).endpoint(path)
                .httpRequestCustomizer((b, method, uri, body, ctx) -> {
                    b.header("authorization", "Bearer " + key);
                    b.header("x-caller-marker", "caller");
                })
                .build();
        return McpClient.sync(t).requestTimeout(Duration.ofSeconds(30)).build();
    }

    private static List<String> names(McpSchema.ListToolsResult r) {
        return r.tools().stream().map(McpSchema.Tool::name).sorted().toList();
    }

    private static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    @Test
    void aggregatedListsNamespacedToolsAndRoutesCallsWithTheGatewaysCredential() {
        try (McpSyncClient c = client("/mcp", "sk-all")) {
            McpSchema.InitializeResult init = c.initialize();
            assertTrue(McpProtocol.SUPPORTED.contains(init.protocolVersion()), init.protocolVersion());
            assertEquals("aisix-mcp-gateway", init.serverInfo().name());
            // down is left out, secret_tool is not in alpha's allowed_tools, beta__search is denied, off is disabled
            assertEquals(List.of("alpha__add", "alpha__echo", "beta__echo"), names(c.listTools()));
            assertEquals("alpha/echo:hi", text(c.callTool(new McpSchema.CallToolRequest("alpha__echo", SdkUpstream.args("hi")))));
            // beta answers as an event stream: relayed, with a notification before the answer
            McpSchema.CallToolResult b = c.callTool(new McpSchema.CallToolRequest("beta__echo", SdkUpstream.args("yo")));
            assertEquals("beta/echo:yo", text(b));
            McpSchema.CallToolResult failed = c.callTool(new McpSchema.CallToolRequest("alpha__add", SdkUpstream.args("fail")));
            assertTrue(failed.isError());
            c.ping();
        }
        assertTrue(alpha.seenAuth.contains("Bearer alpha-secret"));
        assertFalse(alpha.seenAuth.stream().anyMatch(a -> a.contains("sk-all")), alpha.seenAuth.toString());
        assertTrue(beta.seenAuth.stream().allMatch("beta-key"::equals), beta.seenAuth.toString());
        assertTrue(alpha.callerHeaders.isEmpty(), "no caller header reaches an upstream");
        assertTrue(alpha.methods.contains("notifications/initialized"));
        assertTrue(METRICS.counter(McpGatewayFilter.TOOL_CALLS, "server", "beta", "outcome", "ok") >= 1);
        assertTrue(METRICS.counter(McpGatewayFilter.TOOL_CALLS, "server", "alpha", "outcome", "tool_error") >= 1);
    }

    private static String text(McpSchema.ReadResourceResult r) {
        return ((McpSchema.TextResourceContents) r.contents().get(0)).text();
    }

    private static String text(McpSchema.GetPromptResult r) {
        return ((McpSchema.TextContent) r.messages().get(0).content()).text();
    }

    @Test
    void resourcesTemplatesAndPromptsAreAggregatedNamespacedAndCheckedLikeTools() {
        try (McpSyncClient c = client("/mcp", "sk-all")) {
            McpSchema.InitializeResult init = c.initialize();
            assertTrue(init.capabilities().resources() != null && init.capabilities().prompts() != null);
            // down is left out; the URIs and names carry their server
            assertEquals(List.of("alpha__note://alpha/readme", "beta__note://beta/readme"),
                    c.listResources().resources().stream().map(McpSchema.Resource::uri).sorted().toList());
            McpSchema.ReadResourceResult read = c.readResource(new McpSchema.ReadResourceRequest("beta__note://beta/readme"));
            assertEquals("beta readme", text(read), "read through beta's event stream");
            assertEquals("beta__note://beta/readme", ((McpSchema.TextResourceContents) read.contents().get(0)).uri());
            assertEquals(List.of("alpha__note://alpha/topics/{topic}", "beta__note://beta/topics/{topic}"),
                    c.listResourceTemplates().resourceTemplates().stream().map(McpSchema.ResourceTemplate::uriTemplate)
                            .sorted().toList());
            assertEquals("alpha topic maps", text(c.readResource(new McpSchema.ReadResourceRequest(
                    "alpha__note://alpha/topics/maps"))), "an expanded template routes by its prefix");
            assertEquals(List.of("alpha__greet", "beta__greet"),
                    c.listPrompts().prompts().stream().map(McpSchema.Prompt::name).sorted().toList());
            assertEquals("beta greets bob", text(c.getPrompt(new McpSchema.GetPromptRequest("beta__greet",
                    Map.of("who", "bob")))));
            McpError unknown = assertThrows(McpError.class,
                    () -> c.readResource(new McpSchema.ReadResourceRequest("note://alpha/readme")));
            assertTrue(unknown.getMessage().contains("namespaced"), unknown.getMessage());
        }
        assertTrue(alpha.seenAuth.stream().noneMatch(a -> a.contains("sk-")), "the gateway's credential only");
        try (McpSyncClient c = client("/mcp", "sk-alpha")) {
            c.initialize();
            assertEquals(List.of("alpha__greet"), c.listPrompts().prompts().stream().map(McpSchema.Prompt::name).toList());
            assertEquals(1, c.listResources().resources().size());
            McpError p = assertThrows(McpError.class, () -> c.getPrompt(new McpSchema.GetPromptRequest("beta__greet",
                    Map.of("who", "x"))));
            assertTrue(p.getMessage().contains("not allowed"), p.getMessage());
            McpError r = assertThrows(McpError.class,
                    () -> c.readResource(new McpSchema.ReadResourceRequest("beta__note://beta/readme")));
            assertTrue(r.getMessage().contains("not allowed"), r.getMessage());
        }
        long reads = beta.methods.stream().filter(m -> m.startsWith("resources/read:")).count();
        assertEquals(1, reads, "a refused read never reaches the upstream");
        try (McpSyncClient c = client("/mcp/beta", "sk-all")) {
            c.initialize();
            assertEquals("beta readme", text(c.readResource(new McpSchema.ReadResourceRequest("note://beta/readme"))));
            assertEquals(List.of("greet"), c.listPrompts().prompts().stream().map(McpSchema.Prompt::name).toList());
        }
    }

    @Test
    void forbiddenToolsAreRefusedWithAClearError() {
        try (McpSyncClient c = client("/mcp", "sk-all")) {
            c.initialize();
            McpError denied = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("beta__search", SdkUpstream.args("x"))));
            assertTrue(denied.getMessage().contains("not allowed for this API key"), denied.getMessage());
            McpError hidden = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("alpha__secret_tool", SdkUpstream.args("x"))));
            assertTrue(hidden.getMessage().contains("allowed_tools"), hidden.getMessage());
            McpError unknown = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("nosuch__echo", SdkUpstream.args("x"))));
            assertTrue(unknown.getMessage().contains("unknown tool"), unknown.getMessage());
            McpError disabled = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("off__echo", SdkUpstream.args("x"))));
            assertTrue(disabled.getMessage().contains("unknown tool"), disabled.getMessage());
        }
        assertFalse(beta.methods.contains("tools/call") && beta.methods.stream().filter("tools/call"::equals).count() > 1,
                "a forbidden call never reaches the upstream");
        try (McpSyncClient c = client("/mcp", "sk-alpha")) {
            c.initialize();
            assertEquals(List.of("alpha__add", "alpha__echo"), names(c.listTools()));
            McpError e = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("beta__echo", SdkUpstream.args("x"))));
            assertTrue(e.getMessage().contains("mcp_access"), e.getMessage());
        }
    }

    @Test
    void singleServerEndpointUsesTheUpstreamsOwnNames() {
        try (McpSyncClient c = client("/mcp/alpha", "sk-alpha")) {
            assertEquals("aisix-mcp-gateway/alpha", c.initialize().serverInfo().name());
            assertEquals(List.of("add", "echo"), names(c.listTools()));
            assertEquals("alpha/add:2", text(c.callTool(new McpSchema.CallToolRequest("add", SdkUpstream.args("2")))));
        }
        try (McpSyncClient c = client("/mcp/beta", "sk-alpha")) {
            assertThrows(RuntimeException.class, c::initialize); // 403: the key may not use beta
        }
    }

    @Test
    void anUpstreamThatIsDownGivesAJsonRpcErrorNotAHang() {
        try (McpSyncClient c = client("/mcp", "sk-all")) {
            c.initialize();
            McpError e = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("down__echo", SdkUpstream.args("x"))));
            assertTrue(e.getMessage().contains("MCP server 'down' could not be reached"), e.getMessage());
        }
        try (McpSyncClient c = client("/mcp/down", "sk-all")) {
            c.initialize(); // answered by the gateway itself
            McpError e = assertThrows(McpError.class, c::listTools);
            assertTrue(e.getMessage().contains("'down'"), e.getMessage());
        }
        assertTrue(METRICS.counter(McpGatewayFilter.LIST_FAILURES, "server", "down", "method", "tools/list") >= 1);
    }

    private static HttpResponse<String> post(String path, String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(front.url() + path))
                .header("content-type", "application/json").header("accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    @Test
    void protocolEdges() throws Exception {
        HttpResponse<String> r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\","
                + "\"params\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertEquals(200, r.statusCode());
        assertEquals("2025-03-26", json(r).path("result").path("protocolVersion").asText());
        assertEquals(7, json(r).path("id").asInt());
        assertTrue(r.headers().firstValue("mcp-session-id").isEmpty(), "stateless: no session id");
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"1999-01-01\"}}");
        assertEquals(McpProtocol.LATEST, json(r).path("result").path("protocolVersion").asText());
        assertEquals("a", json(r).path("id").asText());
        assertEquals(202, post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode());
        assertEquals(202, post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}").statusCode());
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", "mcp-protocol-version", "2024-11-05");
        assertEquals(400, r.statusCode());
        assertTrue(json(r).path("error").path("message").asText().contains("unsupported MCP-Protocol-Version"));
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", "mcp-protocol-version", "2025-06-18");
        assertEquals(200, r.statusCode());
        assertTrue(json(r).path("result").isObject());
        r = post("/mcp", "sk-all", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
        assertEquals(400, r.statusCode());
        assertTrue(json(r).path("error").path("message").asText().contains("batches"));
        r = post("/mcp", "sk-all", "not json");
        assertEquals(-32700, json(r).path("error").path("code").asInt());
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/subscribe\"}");
        assertEquals(-32601, json(r).path("error").path("code").asInt());
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{}}");
        assertEquals(-32602, json(r).path("error").path("code").asInt());
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}");
        assertEquals(400, r.statusCode());
        r = post("/mcp/nosuch", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertEquals(404, r.statusCode());
        r = post("/mcp/off", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertEquals(404, r.statusCode(), "a disabled server is not served");
        // caller auth: none, unknown, and a key without mcp_access
        assertEquals(401, post("/mcp", null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode());
        assertEquals(401, post("/mcp", "sk-wrong", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode());
        r = post("/mcp", "sk-none", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        assertEquals(403, r.statusCode());
        assertTrue(json(r).path("error").path("message").asText().contains("no MCP access"));
    }

    @Test
    void sseAnswerIsRelayedWithTheCallersId() throws Exception {
        HttpResponse<String> r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":\"call-1\",\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"beta__echo\",\"arguments\":{\"text\":\"s\"}}}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().contains("notifications/message"), r.body());
        assertTrue(r.body().contains("\"id\":\"call-1\""), r.body());
        assertTrue(r.body().contains("beta/echo:s"), r.body());
        r = post("/mcp", "sk-all", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"alpha__echo\",\"arguments\":{\"text\":\"j\"}}}");
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertEquals(5, json(r).path("id").asInt());
        assertEquals("alpha/echo:j", json(r).path("result").path("content").get(0).path("text").asText());
    }

    @Test
    void wrongGatewayCredentialIsReportedWithoutLeakingIt() throws Exception {
        TestSnapshot snapshot = TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\",\"auth_type\":\"bearer\","
                        + "\"secret\":\"wrong-secret\"}").build();
        TestPluginContext ctx = new TestPluginContext().upstream(new TestUpstreamClient());
        McpGatewayFilterFactory f = new McpGatewayFilterFactory();
        f.start(ctx);
        try (GatewayFront g = new GatewayFront(snapshot, List.of(f.create(ctx.filterContext(snapshot)).orElseThrow()))) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(g.url() + "/mcp")).POST(
                    HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                            + "\"params\":{\"name\":\"alpha__echo\",\"arguments\":{}}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String msg = json(r).path("error").path("message").asText();
            assertTrue(msg.contains("HTTP 401") && msg.contains("credential was refused"), msg);
            assertFalse(r.body().contains("wrong-secret"));
        }
    }

    @Test
    void callerKeyAccessPatterns() {
        var a = new io.aisix.spi.resource.CallerKey.McpAccess(List.of("gh__*", "jira__get_issue"), List.of("gh__delete*"));
        assertTrue(a.allows("gh__list"));
        assertFalse(a.allows("gh__delete_repo"));
        assertTrue(a.allows("jira__get_issue"));
        assertFalse(a.allows("jira__create_issue"));
        assertTrue(a.mayUseServer("gh"));
        assertTrue(a.mayUseServer("jira"));
        assertFalse(a.mayUseServer("ghx"));
        assertFalse(new io.aisix.spi.resource.CallerKey.McpAccess(List.of(), List.of()).allows("gh__x"));
        assertTrue(new io.aisix.spi.resource.CallerKey.McpAccess(List.of("*"), List.of()).mayUseServer("any"));
        assertTrue(Map.of().isEmpty());
    }
}
