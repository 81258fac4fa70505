package io.aisix.dist;

import static io.aisix.dist.GatewayFixture.CALLER;
import static io.aisix.dist.GatewayFixture.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.adminui.AdminUiExtension;
import io.aisix.kernel.testsupport.RawSse;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.plugin.cache.CachePoliciesKind;
import io.aisix.plugin.observe.ObservabilityExportersKind;
import io.aisix.plugin.ratelimit.RateLimitPoliciesKind;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.testkit.Script;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin UI module as shipped, with every built-in plugin: the pages and the document exist on
 * the admin listener only, the playground forwarder streams through to the proxy listener without
 * buffering and cancels upstream when the page goes away, and the document's kind schemas cover
 * the fields the running gateway's kinds read (plugin-declared guardrail fields included).
 */
@Timeout(60)
class AdminUiEndToEndIT {
    static final String[] PATHS = {"/admin/openapi.json", "/admin/ui/", "/admin/ui", "/admin/ui/assets/playground.js",
        "/playground/", "/playground", "/admin/ui-config.json", "/playground/api/v1/models"};

    @TempDir
    static Path dir;
    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new GatewayFixture(dir);
        addOverviewResources(fx, dir);
    }

    /** One row of each policy kind, so the playground's overview and headers have something to show. */
    static void addOverviewResources(GatewayFixture fx, Path dir) {
        fx.create("guardrails", """
                {"name":"no-project-x","kind":"keyword","hook_point":"input","patterns":[{"value":"project-x"}]}""");
        fx.create("cache_policies", "{\"name\":\"gpt-cache\",\"applies_to\":\"model:gpt\",\"ttl_seconds\":60}");
        fx.create("observability_exporters", "{\"name\":\"audit\",\"kind\":\"file\",\"path\":\""
                + dir.resolve("usage.jsonl").toString().replace("\\", "/") + "\",\"flush_interval_ms\":100}");
        fx.create("rate_limit_policies", "{\"name\":\"per-key\",\"scope\":\"api_key\",\"window\":\"minute\","
                + "\"max_requests\":1000}");
        // a write is applied when the store's watch delivers it: wait until the gateway serves all four
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (java.util.stream.Stream.of(GuardrailsKind.KIND, CachePoliciesKind.KIND,
                ObservabilityExportersKind.KIND, RateLimitPoliciesKind.KIND)
                .anyMatch(k -> fx.gw.gateway.snapshots().current().snapshot().all(k).isEmpty())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the overview resources were not applied within 10 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.mock.reset();
    }

    private static HttpResponse<String> get(String url, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return fx.gw.send(b);
    }

    @Test
    void everyPathAnswersOnTheAdminListenerAndNoneOnTheProxyListener() {
        for (String path : PATHS) {
            HttpResponse<String> admin = get(fx.gw.admin(path), "authorization", "Bearer " + CALLER,
                    "x-aisix-admin-key", TestGateway.ADMIN_KEY);
            assertEquals(200, admin.statusCode(), "admin " + path);
            HttpResponse<String> proxy = get(fx.gw.proxy(path), "authorization", "Bearer " + CALLER,
                    "x-aisix-admin-key", TestGateway.ADMIN_KEY);
            assertEquals(404, proxy.statusCode(), "proxy " + path);
            assertEquals("not_found", read(proxy.body()).at("/error/code").asText(), "proxy " + path);
        }
    }

    @Test
    void theForwarderStreamsChunksAsTheyArrive() throws Exception {
        fx.mock.enqueue(Script.reply("alpha beta gamma").deltas(3).pauseAfter(2));
        try (RawSse sse = RawSse.open(fx.gw.gateway.adminPort(), "/playground/api/v1/chat/completions", CALLER,
                "{\"model\":\"gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-aisix-admin-key", TestGateway.ADMIN_KEY)) {
            assertEquals(200, sse.status());
            // the upstream is paused after two events: these arrive through the forwarder anyway
            assertTrue(sse.firstData().contains("chat.completion.chunk"));
            assertTrue(sse.nextData().contains("alpha"));
            assertTrue(fx.mock.awaitPaused(1, Duration.ofSeconds(10)));
            fx.mock.resume();
            assertTrue(sse.drain() >= 2);
        }
    }

    @Test
    void aPageThatGoesAwayCancelsTheUpstreamCall() throws Exception {
        // a long, slow stream: the forwarder notices the page is gone at its next write, closes the proxy
        // connection, and the proxy cancels upstream at its next write; the stream would last 10 s
        fx.mock.enqueue(Script.reply("word ".repeat(400)).deltas(400).deltaDelay(Duration.ofMillis(25)).pauseAfter(2));
        RawSse sse = RawSse.open(fx.gw.gateway.adminPort(), "/playground/api/v1/chat/completions", CALLER,
                "{\"model\":\"gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"bye\"}]}",
                "x-aisix-admin-key", TestGateway.ADMIN_KEY);
        assertEquals(200, sse.status());
        sse.firstData();
        assertTrue(fx.mock.awaitPaused(1, Duration.ofSeconds(10)));
        sse.close();
        fx.mock.resume();
        assertTrue(fx.mock.awaitStreamsCancelled(1, Duration.ofSeconds(20)), "upstream stream cancelled");
    }

    @Test
    void forwardedAnswersKeepTheGatewayHeadersAndErrors() {
        fx.mock.enqueue(Script.reply("pong"));
        HttpResponse<String> ok = fx.gw.send(HttpRequest.newBuilder(URI.create(fx.gw.admin(
                        "/playground/api/v1/chat/completions")))
                .header("authorization", "Bearer " + CALLER).header("x-aisix-admin-key", TestGateway.ADMIN_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"p\"}]}")));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("pong", read(ok.body()).at("/choices/0/message/content").asText());
        for (String h : List.of("x-aisix-request-id", "x-aisix-cache", "x-ratelimit-limit-requests",
                "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests")) {
            assertTrue(ok.headers().firstValue(h).isPresent(), h + " in " + ok.headers().map());
        }
        HttpResponse<String> bad = fx.gw.send(HttpRequest.newBuilder(URI.create(fx.gw.admin("/playground/api/v1/models")))
                .header("authorization", "Bearer sk-not-a-key-000").header("x-aisix-admin-key", TestGateway.ADMIN_KEY));
        assertEquals(401, bad.statusCode());
        assertEquals("invalid_api_key", read(bad.body()).at("/error/code").asText());
    }

    @Test
    void kindSchemasCoverWhatTheRunningKindsRead() throws Exception {
        JsonNode spec;
        try (InputStream in = AdminUiExtension.class.getClassLoader().getResourceAsStream(AdminUiExtension.SPEC_RESOURCE)) {
            spec = GatewayFixture.JSON.readTree(in);
        }
        int checked = 0;
        for (ResourceKind<?> kind : fx.gw.gateway.snapshots().kinds().values()) {
            JsonNode schema = null;
            for (JsonNode s : spec.at("/components/schemas")) {
                if (kind.name().equals(s.path("x-aisix-kind").asText())) {
                    schema = s;
                }
            }
            assertTrue(schema != null, "schema for " + kind.name());
            Set<String> props = new TreeSet<>();
            schema.get("properties").fieldNames().forEachRemaining(props::add);
            Set<String> missing = new TreeSet<>(kind.knownFields());
            missing.removeAll(props);
            assertTrue(missing.isEmpty(), kind.name() + " reads fields the document lacks: " + missing);
            checked++;
        }
        assertEquals(15, checked, "the four core kinds, the guardrails plugin's guardrails and "
                + "guardrail_attachments, cache_policies, rate_limit_policies, observability_exporters, auth-oidc's "
                + "oidc_providers and claim_mappings, the budgets plugin's budgets and mcp-gateway's mcp_servers, "
                + "mcp_policies and mcp_auth_settings");
        assertTrue(fx.gw.gateway.snapshots().kinds().get("guardrails").knownFields().contains("default_action"),
                "the pii kind's own fields count");
        assertFalse(spec.toString().contains(TestGateway.ADMIN_KEY));
    }
}
