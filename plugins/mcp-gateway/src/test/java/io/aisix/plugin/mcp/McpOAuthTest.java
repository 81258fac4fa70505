package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.TestUpstreamClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code auth_type: oauth2}: the gateway obtains an access token with the client credentials grant
 * from a local token endpoint, sends it to an SDK upstream that accepts only that token, caches it
 * until shortly before its expiry, refetches after the upstream refuses it, and reports a token
 * endpoint failure as a JSON-RPC error naming the server (never the secret).
 */
@Timeout(120)
class McpOAuthTest {

    private static McpSyncClient client(String url) {
        return McpClient.sync(HttpClientStreamableHttpTransport.builder(url).endpoint("/mcp").build())
                .requestTimeout(Duration.ofSeconds(30)).build();
    }

    private static GatewayFront front(String serverJson) {
        TestSnapshot snapshot = TestSnapshot.builder().decode(new McpServerKind(), "s1", serverJson).build();
        TestPluginContext ctx = new TestPluginContext().upstream(new TestUpstreamClient());
        McpGatewayFilterFactory f = new McpGatewayFilterFactory();
        f.start(ctx);
        return new GatewayFront(snapshot, List.of(f.create(ctx.filterContext(snapshot)).orElseThrow()));
    }

    @Test
    void clientCredentialsTokenIsFetchedCachedAndSent() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        try (LoopbackHttpServer idp = LoopbackHttpServer.start();
             SdkUpstream up = new SdkUpstream("gamma", "authorization", "Bearer tok-1", false, List.of("echo"))) {
            idp.route("/token", req -> LoopbackHttpServer.Reply.json(200, "{\"access_token\":\"tok-" + issued.incrementAndGet()
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
            String json = "{\"name\":\"gamma\",\"url\":\"" + up.url() + "\",\"auth_type\":\"oauth2\",\"client_id\":\"gw client\","
                    + "\"secret\":\"s3cr&t\",\"token_url\":\"" + idp.url("/token") + "\",\"scopes\":[\"tools.read\",\"tools.call\"]}";
            try (GatewayFront g = front(json); McpSyncClient c = client(g.url())) {
                c.initialize();
                assertEquals(List.of("gamma__echo"), c.listTools().tools().stream().map(McpSchema.Tool::name).toList());
                McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("gamma__echo", SdkUpstream.args("o")));
                assertEquals("gamma/echo:o", ((McpSchema.TextContent) r.content().get(0)).text());
            }
            assertEquals(1, issued.get(), "one token for the list and the call: cached");
            RecordedRequest t = idp.requests().get(0);
            assertEquals("POST", t.method());
            assertEquals("Basic " + Base64.getEncoder().encodeToString("gw+client:s3cr%26t".getBytes(StandardCharsets.UTF_8)),
                    t.header("authorization").orElseThrow(), "client_secret_basic, form-encoded first");
            assertTrue(t.bodyText().contains("grant_type=client_credentials"), t.bodyText());
            assertTrue(t.bodyText().contains("scope=tools.read+tools.call"), t.bodyText());
            assertFalse(t.bodyText().contains("s3cr"), "the secret travels in the Authorization header only");
            assertTrue(up.seenAuth.stream().allMatch("Bearer tok-1"::equals), up.seenAuth.toString());
        }
    }

    @Test
    void aShortLivedOrRefusedTokenIsFetchedAgain() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        try (LoopbackHttpServer idp = LoopbackHttpServer.start();
             SdkUpstream up = new SdkUpstream("gamma", "authorization", "Bearer tok-2", false, List.of("echo"))) {
            // the first token is refused by the upstream; the later ones live 10 s, under the refresh
            // margin, so they are never served from the cache
            idp.route("/token", req -> {
                int n = issued.incrementAndGet();
                return LoopbackHttpServer.Reply.json(200, n == 1 ? "{\"access_token\":\"tok-1\",\"expires_in\":3600}"
                        : "{\"access_token\":\"tok-2\",\"expires_in\":10}");
            });
            String json = "{\"name\":\"gamma\",\"url\":\"" + up.url() + "\",\"auth_type\":\"oauth2\",\"client_id\":\"c\","
                    + "\"secret\":\"s\",\"token_url\":\"" + idp.url("/token") + "\"}";
            try (GatewayFront g = front(json); McpSyncClient c = client(g.url())) {
                c.initialize();
                // tok-1 is refused by the upstream (401): gamma is left out of the aggregated list, and the
                // cached token is dropped
                assertEquals(0, c.listTools().tools().size());
                assertEquals(1, c.listTools().tools().size(), "tok-2 fetched after the refusal");
                assertEquals(1, c.listTools().tools().size());
            }
            assertEquals(3, issued.get(), "tok-2 lives 10 s, under the 30 s margin: fetched per request");
        }
    }

    @Test
    void aTokenEndpointFailureIsAClearJsonRpcError() throws Exception {
        try (LoopbackHttpServer idp = LoopbackHttpServer.start();
             SdkUpstream up = new SdkUpstream("gamma", "authorization", "Bearer x", false, List.of("echo"))) {
            idp.route("/token", req -> LoopbackHttpServer.Reply.json(401, "{\"error\":\"invalid_client\"}"));
            idp.route("/garbage", req -> LoopbackHttpServer.Reply.json(200, "{\"token_type\":\"Bearer\"}"));
            for (String[] c : new String[][] {{"/token", "token endpoint answered HTTP 401"},
                    {"/garbage", "no access_token"}}) {
                String json = "{\"name\":\"gamma\",\"url\":\"" + up.url() + "\",\"auth_type\":\"oauth2\",\"client_id\":\"c\","
                        + "\"secret\":\"very-secret\",\"token_url\":\"" + idp.url(c[0]) + "\"}";
                try (GatewayFront g = front(json); McpSyncClient client = client(g.url())) {
                    client.initialize();
                    McpError e = assertThrows(McpError.class,
                            () -> client.callTool(new McpSchema.CallToolRequest("gamma__echo", SdkUpstream.args("x"))));
                    assertTrue(e.getMessage().contains("could not obtain an OAuth2 access token for MCP server 'gamma'")
                            && e.getMessage().contains(c[1]), e.getMessage());
                    assertFalse(e.getMessage().contains("very-secret"));
                }
            }
            assertTrue(up.seenAuth.isEmpty(), "no upstream call without a token");
        }
    }
}
