package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.support.Digests;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upstream session is held across gateway requests: one {@code initialize} per upstream for
 * many requests, a new one when the upstream forgets the session (404) or the entry changes.
 */
@Timeout(120)
class McpSessionReuseTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final SdkUpstream alpha = new SdkUpstream("alpha", null, null, false, List.of("echo"));
    private final SdkUpstream beta = new SdkUpstream("beta", null, null, true, List.of("echo"));
    private final TestPluginContext ctx = new TestPluginContext(new TestMetrics()).upstream(new TestUpstreamClient());
    private final McpGatewayFilterFactory factory = new McpGatewayFilterFactory();
    private final List<GatewayFront> fronts = new ArrayList<>();

    McpSessionReuseTest() {
        alpha.sessions = true; // alpha issues Mcp-Session-Id and 404s unknown ones; beta is a stateless server
        factory.start(ctx);
    }

    @AfterEach
    void stop() {
        fronts.forEach(GatewayFront::close);
        alpha.close();
        beta.close();
    }

    /** A front on a snapshot whose alpha entry has {@code timeoutMs} (a changed entry when it differs). */
    private GatewayFront front(long timeoutMs) {
        TestSnapshot snapshot = TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\",\"timeout_ms\":"
                        + timeoutMs + "}")
                .decode(new McpServerKind(), "s2", "{\"name\":\"beta\",\"url\":\"" + beta.url() + "\"}")
                .decode(CoreKinds.API_KEYS, "k1", "{\"key_hash\":\"" + Digests.sha256Hex("sk-all") + "\","
                        + "\"mcp_access\":{\"allow\":[\"*\"]}}")
                .build();
        GatewayFront f = GatewayFront.withApiKeys(snapshot, ctx, factory);
        fronts.add(f);
        return f;
    }

    private static String post(GatewayFront f, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(f.url() + "/mcp"))
                .header("authorization", "Bearer sk-all").header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static String call(String tool, String text) {
        return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\","
                + "\"arguments\":{\"text\":\"" + text + "\"}}}";
    }

    @Test
    void manyRequestsShareOneHandshakePerUpstream() throws Exception {
        GatewayFront f = front(5000);
        int requests = 0;
        for (int i = 0; i < 5; i++) {
            post(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
            assertTrue(post(f, call("alpha__echo", "a" + i)).contains("alpha/echo:a" + i));
            assertTrue(post(f, call("beta__echo", "b" + i)).contains("beta/echo:b" + i));
            requests += 3;
        }
        post(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}");
        assertTrue(post(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":"
                + "\"alpha__note://alpha/readme\"}}").contains("alpha readme"));
        requests += 2;
        // 17 gateway requests, 12 of them on alpha and 12 on beta (lists reach both): one handshake each
        assertEquals(17, requests);
        assertEquals(1, alpha.initializations(), alpha.methods.toString());
        assertEquals(1, beta.initializations(), beta.methods.toString());
        assertEquals(1, alpha.methods.stream().filter("notifications/initialized"::equals).count());
        assertEquals(1.0, ctx.metrics().counter(UpstreamHandshakes.SESSIONS, "server", "alpha"), "counted");
    }

    @Test
    void aForgottenSessionIsRenewedAndTheRequestRetriedOnce() throws Exception {
        GatewayFront f = front(5000);
        assertTrue(post(f, call("alpha__echo", "one")).contains("alpha/echo:one"));
        alpha.forgetSessions(); // the upstream restarted: its answer to the held session id is 404
        assertTrue(post(f, call("alpha__echo", "two")).contains("alpha/echo:two"), "tools/call on a new session");
        alpha.forgetSessions();
        assertTrue(post(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").contains("alpha__echo"),
                "a list on a new session");
        assertEquals(3, alpha.initializations());
        assertEquals(2, alpha.methods.stream().filter("tools/call"::equals).count(), "each call reached alpha once");
    }

    @Test
    void concurrentFirstRequestsOpenOneSessionAndAChangedEntryAnother() throws Exception {
        GatewayFront f = front(5000);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String text = "c" + i;
                answers.add(pool.submit(() -> post(f, call("alpha__echo", text))));
            }
            for (int i = 0; i < 8; i++) {
                assertTrue(answers.get(i).get().contains("alpha/echo:c" + i));
            }
        }
        assertEquals(1, alpha.initializations(), "8 concurrent first calls, one handshake");
        GatewayFront edited = front(6000);
        assertTrue(post(edited, call("alpha__echo", "e")).contains("alpha/echo:e"));
        assertEquals(2, alpha.initializations(), "an edited entry never reuses the old entry's session");
    }
}
