package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.resource.ValidationException;
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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AISIX's layered MCP ACL: an environment policy, a team policy and a key's own {@code mcp_access}
 * intersect; deny wins; a disabled policy contributes nothing; a key under no layer has no access.
 */
@Timeout(120)
class McpPolicyTest {
    private static final McpPolicyKind KIND = new McpPolicyKind();
    private static SdkUpstream alpha;
    private static SdkUpstream beta;
    private static GatewayFront front;

    @BeforeAll
    static void start() throws Exception {
        alpha = new SdkUpstream("alpha", null, null, false, List.of("echo", "add", "secret_tool"));
        beta = new SdkUpstream("beta", null, null, true, List.of("echo", "search"));
        TestSnapshot snapshot = TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\"}")
                .decode(new McpServerKind(), "s2", "{\"name\":\"beta\",\"url\":\"" + beta.url() + "\"}")
                .decode(KIND, "p1", "{\"scope\":\"env\",\"allow\":[\"*\"],\"deny\":[\"beta__search\"]}")
                .decode(KIND, "p2", "{\"scope\":\"team\",\"scope_ref\":\"red\",\"allow\":[\"alpha__*\"]}")
                // enabled, this empty layer would leave every key without MCP access
                .decode(KIND, "p3", "{\"scope\":\"env\",\"allow\":[],\"enabled\":false}")
                .decode(KIND, "p4", "{\"scope\":\"team\",\"scope_ref\":\"blue\",\"allow\":[]}")
                .decode(CoreKinds.API_KEYS, "k1", GatewayFront.key("sk-plain", null))
                .decode(CoreKinds.API_KEYS, "k2", GatewayFront.key("sk-red", "\"team_id\":\"red\""))
                .decode(CoreKinds.API_KEYS, "k3", GatewayFront.key("sk-red-echo", "\"team_id\":\"red\",\"mcp_access\":{\"allow\":"
                        + "[\"*__echo\"]}"))
                .decode(CoreKinds.API_KEYS, "k4", GatewayFront.key("sk-blue", "\"team_id\":\"blue\",\"mcp_access\":{\"allow\":[\"*\"]}"))
                .build();
        TestPluginContext ctx = new TestPluginContext(new TestMetrics()).upstream(new TestUpstreamClient());
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
        return McpClient.sync(HttpClientStreamableHttpTransport.builder(front.url()).endpoint(path)
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("authorization", "Bearer " + key))
                .build()).requestTimeout(Duration.ofSeconds(30)).build();
    }

    private static List<String> tools(String key) {
        try (McpSyncClient c = client("/mcp", key)) {
            c.initialize();
            return c.listTools().tools().stream().map(McpSchema.Tool::name).sorted().toList();
        }
    }

    @Test
    void layersIntersectAndDenyWins() {
        // the environment layer alone: everything but beta__search
        assertEquals(List.of("alpha__add", "alpha__echo", "alpha__secret_tool", "beta__echo"), tools("sk-plain"));
        // environment and team red: alpha only
        assertEquals(List.of("alpha__add", "alpha__echo", "alpha__secret_tool"), tools("sk-red"));
        // environment, team red and the key's own layer
        assertEquals(List.of("alpha__echo"), tools("sk-red-echo"));
        try (McpSyncClient c = client("/mcp", "sk-red-echo")) {
            c.initialize();
            McpError e = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("beta__echo", SdkUpstream.args("x"))));
            assertTrue(e.getMessage().contains("mcp_policies"), e.getMessage());
            assertEquals("alpha/echo:x", ((McpSchema.TextContent) c.callTool(new McpSchema.CallToolRequest("alpha__echo",
                    SdkUpstream.args("x"))).content().get(0)).text());
        }
        assertFalse(beta.methods.contains("tools/call:echo"), "a refused call never reaches the upstream");
    }

    @Test
    void aTeamPolicyThatAllowsNothingClosesMcpForItsTeam() throws Exception {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(front.url() + "/mcp")).header("authorization", "Bearer sk-blue")
                        .header("content-type", "application/json").header("accept", "application/json, text/event-stream")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("no MCP access"), r.body());
    }

    @Test
    void theKindTakesAisixRowsAndRefusesIncompleteOnes() throws Exception {
        McpPolicy p = KIND.decode("x", Json.mapper().readTree("{\"scope\":\"team\",\"scope_ref\":\"t1\",\"allow\":[\"a__*\"],"
                + "\"deny\":[\"a__b\"],\"enabled\":true}"));
        assertEquals(java.util.Optional.of("t1"), p.scopeRef());
        assertTrue(p.access().allows("a__c") && !p.access().allows("a__b"));
        McpPolicy env = KIND.decode("y", Json.mapper().readTree("{\"scope\":\"env\",\"scope_ref\":null,\"allow\":[\"*\"]}"));
        assertTrue(env.enabled() && env.scopeRef().isEmpty());
        for (String bad : List.of("{\"scope\":\"team\",\"allow\":[\"*\"]}", "{\"scope\":\"env\"}",
                "{\"scope\":\"org\",\"allow\":[\"*\"]}")) {
            assertThrows(ValidationException.class, () -> KIND.decode("z", Json.mapper().readTree(bad)), bad);
        }
        assertTrue(KIND.schema().isPresent(), "the kind publishes its schema");
        assertEquals(List.of("extra"), KIND.ignoredFields(Json.mapper().readTree("{\"scope\":\"env\",\"allow\":[],\"extra\":1}")));
    }
}
