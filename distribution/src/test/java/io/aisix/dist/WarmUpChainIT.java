package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.http.StreamWarmUp;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.kernel.warmup.ShadowChain;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.MockUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy.warm_up} with every built-in plugin: the warm-up's requests run through the plugins'
 * chain (authentication, alias resolution, rate limit, guardrails, cache, the OpenAI adapter,
 * observe), yet afterwards a gateway configured with the very same resources (same ids, keys,
 * alias and policies) shows nothing of it: no metric series, no access-log line, no statistics,
 * no cache entry (the warm-up's first prompt is a miss for a real caller) and no rate-limit count.
 */
@Timeout(180)
class WarmUpChainIT {
    @TempDir
    Path dir;

    @Test
    void runsThroughThePluginsChainAndLeavesNothingBehind() throws Exception {
        // the warm-up logs why it ended or left the plugins' chain at FINE: shown when an assertion fails
        try (LogCapture access = LogCapture.of("aisix.access");
             LogCapture warmUp = LogCapture.of(StreamWarmUp.class.getName(), java.util.logging.Level.FINE);
             LogCapture shadow = LogCapture.of(ShadowChain.class.getName(), java.util.logging.Level.FINE);
             MockUpstream mock = MockUpstream.start();
             TestGateway gw = TestGateway.startWarmingUp(dir, "")) {
            StreamWarmUp w = gw.gateway.warmUp().orElseThrow();
            // its requests record into the gateway's metrics code (a detached instance): no scrape shows them,
            // neither while it runs nor afterwards (the families below are matched as substrings too)
            long until = System.nanoTime() + 120_000_000_000L;
            int scrapes = 0;
            while (!w.await(20)) {
                assertTrue(System.nanoTime() < until, "the warm-up ends by itself");
                String during = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics")))).body();
                assertFalse(during.contains("warm_up") || during.contains("aisix_requests_total{"),
                        "scrape " + scrapes + " during the warm-up: " + during);
                scrapes++;
            }

            // it ran through the plugins' chain
            List<String> filters = w.filters();
            for (String id : List.of("observe", "auth-api-key", "alias-resolver", "rate-limit", "guardrails:input",
                    "guardrails:output", "cache")) {
                assertTrue(filters.contains(id), id + " in the warm-up's chain " + filters);
            }
            assertTrue(w.chained() > 64, "requests through the chain: " + w.chained() + " " + warmUp + " " + shadow);
            assertEquals(w.chained(), w.streams() + w.wholeAnswers() + w.refused(), "each answered as expected");
            assertTrue(w.refused() > 0, "the input guardrail refused its word");
            assertTrue(w.wholeAnswers() > 0 && w.streams() > 0);
            assertTrue(w.upstreamAnswers() < w.chained() - w.refused(),
                    "repeated prompts were cache hits: " + w.upstreamAnswers() + " upstream answers");

            // nothing in metrics, statistics or the access log
            String metrics = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics")))).body();
            for (String family : List.of("aisix_requests_total{", "aisix_request_duration_seconds",
                    "aisix_upstream_attempts_total{", "aisix_tokens_total{", "aisix_cache_requests_total{",
                    "aisix_guardrail_hits_total{", "aisix_time_to_first_token_seconds")) {
                assertFalse(metrics.contains(family), family + " in " + metrics);
            }
            JsonNode stats = GatewayFixture.read(gw.adminCall("GET", "/admin/v1/stats", null).body());
            assertTrue(stats.path("series").isEmpty(), "no statistics: " + stats);
            Thread.sleep(200); // the access log's writer drains every 20 ms
            assertEquals(List.of(), access.lines(), "no access-log line");

            // the same resources, now for real: the warm-up's entries and counts are not theirs
            for (StoreRow row : ShadowChain.rows(mock.openAiBase(), gw.gateway.snapshots().kinds())) {
                HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/" + row.kind() + "/" + row.id(),
                        row.valueText());
                assertTrue(put.statusCode() / 100 == 2, row.kind() + "/" + row.id() + ": " + put.body());
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (gw.gateway.snapshots().current() == null || gw.gateway.snapshots().current().snapshot()
                    .all(io.aisix.plugin.ratelimit.RateLimitPoliciesKind.KIND).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the resources are applied");
                Thread.sleep(10);
            }
            HttpResponse<String> first = chat(gw, StreamWarmUp.request(ShadowChain.MODEL, 0, true, null));
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("miss", first.headers().firstValue("x-aisix-cache").orElse(""),
                    "the warm-up's first prompt is not in the caller's cache");
            assertEquals(1, mock.requestCount(), "it went upstream");
            assertEquals(String.valueOf(1_000_000_000 - 1),
                    first.headers().firstValue("x-ratelimit-remaining-requests").orElse(""),
                    "the rate limit counted this request only");
            HttpResponse<String> again = chat(gw, StreamWarmUp.request(ShadowChain.MODEL, 0, true, null));
            assertEquals("hit", again.headers().firstValue("x-aisix-cache").orElse(""), "the caller's own entry");

            // the checks above can see: a real request is counted and logged where the warm-up's were not
            deadline = System.nanoTime() + 10_000_000_000L;
            while (access.lines().isEmpty()
                    || !gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics")))).body()
                            .contains("aisix_requests_total{")) {
                assertTrue(System.nanoTime() < deadline, "a real request reaches the access log and metrics");
                Thread.sleep(20);
            }
        }
    }

    private static HttpResponse<String> chat(TestGateway gw, byte[] body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                .header("authorization", "Bearer " + ShadowChain.CALLER_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }
}
