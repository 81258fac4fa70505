package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.plugin.authapikey.ApiKeyAuthFilterFactory;
import io.aisix.plugin.guardrailkeyword.KeywordGuardrailKind;
import io.aisix.plugin.guardrailpii.PiiGuardrailKind;
import io.aisix.plugin.guardrails.InputGuardrailsFilterFactory;
import io.aisix.plugin.guardrails.OutputGuardrailsFilterFactory;
import io.aisix.spi.Filter;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.support.Digests;
import io.aisix.support.guardrail.GuardrailRegistry;
import io.aisix.support.guardrail.GuardrailsKind;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guardrails on MCP tool calls, with the real guardrail stages and the keyword and PII kinds in
 * front of the gateway, the official MCP Java SDK as the caller and as the upstreams (which echo
 * their {@code text} argument back, so what the upstream received shows in the result).
 */
@Timeout(120)
class McpGuardrailsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static SdkUpstream alpha;
    private static SdkUpstream beta;
    private static GatewayFront front;
    private static final TestMetrics METRICS = new TestMetrics();

    @BeforeAll
    static void start() {
        alpha = new SdkUpstream("alpha", null, null, false, List.of("echo"));
        beta = new SdkUpstream("beta", null, null, true, List.of("echo"));
        TestSnapshot snapshot = TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\"}")
                .decode(new McpServerKind(), "s2", "{\"name\":\"beta\",\"url\":\"" + beta.url() + "\"}")
                .decode(CoreKinds.API_KEYS, "k1", key("sk-one"))
                .decode(CoreKinds.API_KEYS, "k2", key("sk-two"))
                .decode(GuardrailsKind.KIND, "g1", "{\"name\":\"no-launch\",\"kind\":\"keyword\",\"hook_point\":\"input\","
                        + "\"patterns\":[{\"value\":\"launch codes\"}]}")
                .decode(GuardrailsKind.KIND, "g2", "{\"name\":\"in-pii\",\"kind\":\"pii\",\"hook_point\":\"input\","
                        + "\"detectors\":[{\"type\":\"us_ssn\"}]}")
                .decode(GuardrailsKind.KIND, "g3", "{\"name\":\"out-pii\",\"kind\":\"pii\",\"hook_point\":\"output\","
                        + "\"detectors\":[{\"type\":\"email\"}]}")
                .decode(GuardrailsKind.KIND, "g4", "{\"name\":\"out-kw\",\"kind\":\"keyword\",\"hook_point\":\"output\","
                        + "\"patterns\":[{\"value\":\"classified\"}]}")
                // scoped: a model scope never matches a tool call (AISIX), a key scope matches that key only
                .decode(GuardrailsKind.KIND, "g5", "{\"name\":\"model-only\",\"kind\":\"keyword\",\"hook_point\":\"input\","
                        + "\"applies_to\":[\"model:m1\"],\"patterns\":[{\"value\":\"modelword\"}]}")
                .decode(GuardrailsKind.KIND, "g6", "{\"name\":\"key-two\",\"kind\":\"keyword\",\"hook_point\":\"input\","
                        + "\"applies_to\":[\"api_key:k2\"],\"patterns\":[{\"value\":\"keyword-two\"}]}")
                .build();
        TestPluginContext ctx = new TestPluginContext(METRICS).upstream(new TestUpstreamClient())
                .service(GuardrailKinds.class, GuardrailRegistry.of(Map.of("keyword", new KeywordGuardrailKind(),
                        "pii", new PiiGuardrailKind())));
        McpGatewayFilterFactory factory = new McpGatewayFilterFactory();
        factory.start(ctx);
        List<Filter> filters = new ArrayList<>();
        filters.add(new ApiKeyAuthFilterFactory().create(ctx.filterContext(snapshot)).orElseThrow());
        filters.add(new InputGuardrailsFilterFactory().create(ctx.filterContext(snapshot)).orElseThrow());
        filters.add(new OutputGuardrailsFilterFactory().create(ctx.filterContext(snapshot)).orElseThrow());
        filters.add(factory.create(ctx.filterContext(snapshot)).orElseThrow());
        front = new GatewayFront(snapshot, filters);
    }

    private static String key(String plain) {
        return "{\"key_hash\":\"" + Digests.sha256Hex(plain) + "\",\"mcp_access\":{\"allow\":[\"*\"]}}";
    }

    @AfterAll
    static void stop() {
        front.close();
        alpha.close();
        beta.close();
    }

    private static McpSyncClient client(String path, String key) {
        HttpClientStreamableHttpTransport t = HttpClientStreamableHttpTransport.builder(front.url()).endpoint(path)
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("authorization", "Bearer " + key))
                .build();
        McpSyncClient c = McpClient.sync(t).requestTimeout(Duration.ofSeconds(30)).build();
        c.initialize();
        return c;
    }

    private static String call(McpSyncClient c, String tool, String text) {
        McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest(tool, SdkUpstream.args(text)));
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    private static long upstreamCalls(SdkUpstream u) {
        return u.methods.stream().filter("tools/call"::equals).count();
    }

    @Test
    void aCleanCallIsUnaffected() {
        try (McpSyncClient c = client("/mcp", "sk-one")) {
            assertEquals("alpha/echo:hello there", call(c, "alpha__echo", "hello there"));
            assertEquals("beta/echo:hello there", call(c, "beta__echo", "hello there"));
        }
    }

    @Test
    void aKeywordInArgumentsBlocksTheCallBeforeTheUpstream() {
        long before = upstreamCalls(alpha);
        try (McpSyncClient c = client("/mcp", "sk-one")) {
            McpError e = assertThrows(McpError.class, () -> call(c, "alpha__echo", "send the LAUNCH CODES"));
            assertTrue(e.getMessage().contains("guardrail 'no-launch'"), e.getMessage());
            assertTrue(e.getMessage().contains("tool arguments"), e.getMessage());
            assertFalse(e.getMessage().toLowerCase().contains("launch codes"), "never what matched: " + e.getMessage());
            assertEquals(McpProtocol.INVALID_PARAMS, e.getJsonRpcError().code());
        }
        try (McpSyncClient c = client("/mcp/alpha", "sk-one")) {
            McpError e = assertThrows(McpError.class, () -> call(c, "echo", "launch codes"));
            assertTrue(e.getMessage().contains("guardrail 'no-launch'"), e.getMessage());
        }
        assertEquals(before, upstreamCalls(alpha), "a blocked call never reaches the upstream");
        assertTrue(METRICS.counter(McpGatewayFilter.TOOL_CALLS, "server", "alpha", "outcome", "blocked") >= 2);
    }

    @Test
    void aMaskedArgumentIsWhatTheUpstreamReceives() {
        try (McpSyncClient c = client("/mcp", "sk-one")) {
            String out = call(c, "alpha__echo", "ssn 123-45-6789 ok");
            assertFalse(out.contains("123-45-6789"), out);
            assertTrue(out.startsWith("alpha/echo:ssn [") && out.endsWith("] ok"), out);
        }
    }

    private static String raw(String arguments) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\","
                + "\"arguments\":" + arguments + "}}";
        return HTTP.send(HttpRequest.newBuilder(URI.create(front.url() + "/mcp"))
                .header("authorization", "Bearer sk-one").header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void argumentsAreCheckedAtAnyDepthAndInAnyShape() throws Exception {
        long before = upstreamCalls(alpha);
        for (String args : List.of("{\"text\":\"x\",\"opts\":{\"notes\":[\"a\",{\"deep\":\"launch codes\"}]}}",
                "\"launch codes\"", "[\"launch codes\"]")) {
            String r = raw(args);
            assertTrue(r.contains("\"reason\":\"content_filter\"") && r.contains("-32602"), args + " -> " + r);
        }
        assertEquals(before, upstreamCalls(alpha));
        String masked = raw("{\"text\":\"t\",\"more\":[\"ssn 123-45-6789\"]}");
        assertTrue(masked.contains("alpha/echo:t"), masked);
        assertFalse(masked.contains("content_filter"), masked);
        assertTrue(raw("{}").contains("alpha/echo:null"), "no text: nothing to check");
    }

    @Test
    void piiInAResultIsMaskedOnJsonAndStreamedAnswers() {
        try (McpSyncClient c = client("/mcp", "sk-one")) {
            String json = call(c, "alpha__echo", "write to bob@example.com");
            assertFalse(json.contains("bob@example.com"), json);
            assertTrue(json.startsWith("alpha/echo:write to ["), json);
            String sse = call(c, "beta__echo", "write to bob@example.com");
            assertFalse(sse.contains("bob@example.com"), sse);
            assertTrue(sse.startsWith("beta/echo:write to ["), sse);
        }
    }

    @Test
    void aKeywordInAResultBlocksItOnJsonAndStreamedAnswers() {
        try (McpSyncClient c = client("/mcp", "sk-one")) {
            for (String tool : List.of("alpha__echo", "beta__echo")) {
                McpError e = assertThrows(McpError.class, () -> call(c, tool, "the classified file"));
                assertTrue(e.getMessage().contains("tool result") && e.getMessage().contains("guardrail 'out-kw'"),
                        e.getMessage());
                assertFalse(e.getMessage().contains("classified file"), e.getMessage());
            }
        }
        assertTrue(METRICS.counter(McpGatewayFilter.TOOL_CALLS, "server", "beta", "outcome", "blocked") >= 1);
    }

    @Test
    void scopedGuardrailsApplyByCallerKeyNeverByModel() {
        try (McpSyncClient one = client("/mcp", "sk-one"); McpSyncClient two = client("/mcp", "sk-two")) {
            assertEquals("alpha/echo:modelword", call(two, "alpha__echo", "modelword"));
            assertEquals("alpha/echo:keyword-two", call(one, "alpha__echo", "keyword-two"));
            McpError e = assertThrows(McpError.class, () -> call(two, "alpha__echo", "keyword-two"));
            assertTrue(e.getMessage().contains("guardrail 'key-two'"), e.getMessage());
        }
    }
}
