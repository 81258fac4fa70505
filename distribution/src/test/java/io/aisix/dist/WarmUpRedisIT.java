package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.http.StreamWarmUp;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.testsupport.RedisServer;
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
 * {@code proxy.warm_up} on a gateway whose cache, rate limit and budgets are all on Redis: the
 * warm-up's shadow chain runs rate limit and cache on memory backends of its own, so Redis holds
 * no key afterwards (and none expired meanwhile); a real request through the very same resources,
 * with the cache policy on {@code redis}, does write to it (the control: the gateway is on Redis).
 */
@Timeout(180)
class WarmUpRedisIT {
    @TempDir
    Path dir;

    @Test
    void theWarmUpNeverWritesToTheConfiguredRedis() throws Exception {
        try (RedisServer redis = RedisServer.start();
             LogCapture warmUp = LogCapture.of(StreamWarmUp.class.getName(), java.util.logging.Level.FINE);
             LogCapture shadow = LogCapture.of(ShadowChain.class.getName(), java.util.logging.Level.FINE);
             MockUpstream mock = MockUpstream.start()) {
            String url = redis.url();
            try (TestGateway gw = TestGateway.startWarmingUp(dir, """
                    plugins:
                      cache: { backend: redis }
                      cache-redis: { url: "%s" }
                      rate-limit: { backend: redis, redis: { url: "%s" } }
                      budgets: { backend: redis, redis: { url: "%s" } }
                    """.formatted(url, url, url))) {
                StreamWarmUp w = gw.gateway.warmUp().orElseThrow();
                assertTrue(w.await(120_000), "the warm-up ends by itself");

                List<String> filters = w.filters();
                for (String id : List.of("rate-limit", "cache")) {
                    assertTrue(filters.contains(id), id + " in the warm-up's chain " + filters);
                }
                assertTrue(w.chained() > 0, "requests through the chain: " + w.chained() + " " + warmUp + " " + shadow);
                assertTrue(w.upstreamAnswers() < w.chained() - w.refused(),
                        "the shadow's cache served repeated prompts: " + w.upstreamAnswers() + " upstream answers of "
                                + w.chained());

                assertEquals(0L, redis.command("DBSIZE"), "keys in Redis after the warm-up: "
                        + redis.command("KEYS", "*"));
                assertEquals(0L, stat(redis, "expired_keys"), "no key was written and expired meanwhile");

                // the control: the same resources, the cache policy on redis, for real
                for (StoreRow row : ShadowChain.rows(mock.openAiBase(), gw.gateway.snapshots().kinds())) {
                    String value = row.valueText();
                    if (row.kind().equals("cache_policies")) {
                        value = value.substring(0, value.length() - 1) + ",\"backend\":\"redis\"}";
                    }
                    HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/" + row.kind() + "/" + row.id(), value);
                    assertTrue(put.statusCode() / 100 == 2, row.kind() + "/" + row.id() + ": " + put.body());
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (gw.gateway.snapshots().current() == null || gw.gateway.snapshots().current().snapshot()
                        .all(io.aisix.plugin.cache.CachePoliciesKind.KIND).isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "the resources are applied");
                    Thread.sleep(10);
                }
                HttpResponse<String> first = chat(gw, StreamWarmUp.request(ShadowChain.MODEL, 0, true, null));
                assertEquals(200, first.statusCode(), first.body());
                assertEquals("miss", first.headers().firstValue("x-aisix-cache").orElse(""), first.headers().toString());
                deadline = System.nanoTime() + 10_000_000_000L;
                while (((List<?>) redis.command("KEYS", "aisix:cache:*")).isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "the real request's answer reached Redis: "
                            + redis.command("KEYS", "*"));
                    Thread.sleep(10);
                }
                assertTrue((Long) redis.command("DBSIZE") > 0);
                HttpResponse<String> again = chat(gw, StreamWarmUp.request(ShadowChain.MODEL, 0, true, null));
                assertEquals("hit", again.headers().firstValue("x-aisix-cache").orElse(""), "served from Redis");
                assertEquals(1, mock.requestCount(), "one upstream call for both");
            }
        }
    }

    /** A counter of {@code INFO stats}. */
    private static long stat(RedisServer redis, String name) {
        return ((String) redis.command("INFO", "stats")).lines()
                .filter(l -> l.startsWith(name + ":"))
                .mapToLong(l -> Long.parseLong(l.substring(name.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in INFO stats"));
    }

    private static HttpResponse<String> chat(TestGateway gw, byte[] body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                .header("authorization", "Bearer " + ShadowChain.CALLER_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }
}
