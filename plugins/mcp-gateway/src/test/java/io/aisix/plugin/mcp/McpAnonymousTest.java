package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.Filter;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.TestUpstreamClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AISIX's anonymous MCP access ({@code mcp_auth_settings}): a request without a credential from a
 * listed network runs as the configured key, capped to the listed servers on both entries.
 */
@Timeout(120)
class McpAnonymousTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final McpAuthSettingsKind KIND = new McpAuthSettingsKind();
    private static SdkUpstream alpha;
    private static SdkUpstream beta;
    private static final List<GatewayFront> FRONTS = new ArrayList<>();

    @BeforeAll
    static void start() {
        alpha = new SdkUpstream("alpha", null, null, false, List.of("echo"));
        beta = new SdkUpstream("beta", null, null, true, List.of("echo"));
    }

    @AfterAll
    static void stop() {
        FRONTS.forEach(GatewayFront::close);
        alpha.close();
        beta.close();
    }

    /** A gateway (anonymous, api-key and MCP filters) with these settings; the principal may use every tool. */
    private static GatewayFront front(String settings, String principalAccess) throws Exception {
        TestSnapshot.Builder b = TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\"}")
                .decode(new McpServerKind(), "s2", "{\"name\":\"beta\",\"url\":\"" + beta.url() + "\"}")
                .decode(CoreKinds.API_KEYS, "anon", "{\"key_hash\":\"" + Digests.sha256Hex("sk-anon-principal") + "\""
                        + (principalAccess == null ? "" : ",\"mcp_access\":" + principalAccess) + "}")
                .decode(CoreKinds.API_KEYS, "k1", "{\"key_hash\":\"" + Digests.sha256Hex("sk-agent") + "\","
                        + "\"mcp_access\":{\"allow\":[\"*\"]}}")
                .decode(KIND, "m1", settings);
        TestSnapshot snapshot = b.build();
        TestPluginContext ctx = new TestPluginContext(new TestMetrics()).upstream(new TestUpstreamClient());
        McpGatewayFilterFactory mcp = new McpGatewayFilterFactory();
        mcp.start(ctx);
        GatewayFront f = GatewayFront.withApiKeys(snapshot, ctx, mcp,
                new McpAnonymousFilterFactory().create(ctx.filterContext(snapshot)).stream().toArray(Filter[]::new));
        FRONTS.add(f);
        return f;
    }

    private static HttpResponse<String> post(GatewayFront f, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.url() + path)).header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";

    private static String call(String tool) {
        return "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\","
                + "\"arguments\":{\"text\":\"a\"}}}";
    }

    @Test
    void aListedServersEntryServesCallersWithoutACredential() throws Exception {
        GatewayFront f = front("{\"anonymous\":{\"api_key_id\":\"anon\",\"source_cidrs\":[\"127.0.0.0/8\",\"::1\"],"
                + "\"servers\":[\"alpha\"]},\"resource_url\":\"https://gw.example.com/mcp\"}", "{\"allow\":[\"*\"]}");
        HttpResponse<String> r = post(f, "/mcp/alpha", null, LIST);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"echo\""), r.body());
        r = post(f, "/mcp/alpha", null, call("echo"));
        assertTrue(r.body().contains("alpha/echo:a"), r.body());
        // beyond the ceiling, the aggregated entry (aggregate_entry off), or with a bad credential: the usual 401
        assertEquals(401, post(f, "/mcp/beta", null, LIST).statusCode());
        assertEquals(401, post(f, "/mcp", null, LIST).statusCode());
        assertEquals(401, post(f, "/mcp/alpha", "sk-wrong", LIST).statusCode(), "a bad credential is never anonymous");
        // a credential is authenticated as usual
        assertTrue(post(f, "/mcp/beta", "sk-agent", call("echo")).body().contains("beta/echo:a"));
    }

    @Test
    void theAggregatedEntryCapsTheKeysGrantToTheListedServers() throws Exception {
        GatewayFront f = front("{\"anonymous\":{\"api_key_id\":\"anon\",\"source_cidrs\":[\"0.0.0.0/0\",\"::/0\"],"
                + "\"servers\":[\"alpha\"],\"aggregate_entry\":true}}", "{\"allow\":[\"*\"]}");
        HttpResponse<String> r = post(f, "/mcp", null, LIST);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("alpha__echo", Json.mapper().readTree(r.body()).at("/result/tools/0/name").asText(), r.body());
        assertEquals(1, Json.mapper().readTree(r.body()).at("/result/tools").size(), r.body());
        r = post(f, "/mcp", null, call("beta__echo"));
        assertTrue(r.body().contains("not allowed"), "the key allows beta, the ceiling does not: " + r.body());
        assertTrue(post(f, "/mcp", null, call("alpha__echo")).body().contains("alpha/echo:a"));
    }

    @Test
    void otherNetworksDisabledSettingsAndKeysWithoutTheirOwnGrantGetNoAnonymousAccess() throws Exception {
        GatewayFront elsewhere = front("{\"anonymous\":{\"api_key_id\":\"anon\",\"source_cidrs\":[\"10.0.0.0/8\"],"
                + "\"servers\":[\"alpha\"]}}", "{\"allow\":[\"*\"]}");
        assertEquals(401, post(elsewhere, "/mcp/alpha", null, LIST).statusCode());
        GatewayFront off = front("{\"anonymous\":{\"api_key_id\":\"anon\",\"source_cidrs\":[\"127.0.0.0/8\"],"
                + "\"servers\":[\"alpha\"],\"enabled\":false}}", "{\"allow\":[\"*\"]}");
        assertEquals(401, post(off, "/mcp/alpha", null, LIST).statusCode());
        GatewayFront inherit = front("{\"anonymous\":{\"api_key_id\":\"anon\",\"source_cidrs\":[\"127.0.0.0/8\"],"
                + "\"servers\":[\"alpha\"]}}", null);
        assertEquals(401, post(inherit, "/mcp/alpha", null, LIST).statusCode());
    }

    @Test
    void theKindTakesAisixRowsAndRefusesIncompleteOnes() throws Exception {
        McpAuthSettings s = KIND.decode("x", Json.mapper().readTree("{\"anonymous\":{\"api_key_id\":\"k\","
                + "\"source_cidrs\":[\"0.0.0.0/0\",\"::/0\"],\"servers\":[\"echo\"],\"aggregate_entry\":true}}"));
        assertEquals(List.of("echo"), s.anonymous().orElseThrow().servers());
        assertEquals("k", KIND.references(s).get(0).id());
        assertEquals(List.of("resource_url"), KIND.ignoredFields(Json.mapper().readTree(
                "{\"resource_url\":\"https://gw/mcp\"}")), "resource_url is kept, not served, and reported");
        for (String bad : List.of("{\"anonymous\":{\"source_cidrs\":[\"::/0\"],\"servers\":[\"a\"]}}",
                "{\"anonymous\":{\"api_key_id\":\"k\",\"source_cidrs\":[],\"servers\":[\"a\"]}}",
                "{\"anonymous\":{\"api_key_id\":\"k\",\"source_cidrs\":[\"10.0.0.0/33\"],\"servers\":[\"a\"]}}",
                "{\"anonymous\":{\"api_key_id\":\"k\",\"source_cidrs\":[\"::/0\"],\"servers\":[]}}")) {
            assertThrows(ValidationException.class, () -> KIND.decode("z", Json.mapper().readTree(bad)), bad);
        }
    }
}
