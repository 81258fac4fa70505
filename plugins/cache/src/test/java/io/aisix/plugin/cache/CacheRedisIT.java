package io.aisix.plugin.cache;

import static io.aisix.kernel.testsupport.GatewayFixture.cacheHeader;
import static io.aisix.kernel.testsupport.GatewayFixture.streamedText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.CompletionRecorder;
import io.aisix.testkit.TestLlmAdapter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The response cache with the redis backend (a real redis-server), end to end. */
class CacheRedisIT {
    static final String BODY = CacheMemoryIT.BODY;
    static final String STREAM_BODY = CacheMemoryIT.STREAM_BODY;
    static RedisServer redis;

    @TempDir
    Path dir;
    TestGateway gw;
    GatewayFixture fx;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (!redis.running()) {
            redis.restart();
        }
        redis.command("FLUSHALL");
    }

    private void start(String redisPolicy) throws Exception {
        gw = TestGateway.start(dir, "upstream: { retries: 0 }\ncache: { backend: redis, redis: { url: \""
                + redis.url() + "\" } }\n", null);
        fx = new GatewayFixture(gw);
        fx.model("m1", "test-llm");
        fx.apiKey("caller-one-key");
        fx.create("cache_policies", redisPolicy);
        TestLlmAdapter.CALLS.set(0);
    }

    /** A call that returns once the gateway finished the request (the Redis write is sent by then). */
    private HttpResponse<String> chat(String body, String... headers) {
        long done = CompletionRecorder.done();
        HttpResponse<String> r = fx.chat("caller-one-key", body, headers);
        CompletionRecorder.await(done + 1);
        return r;
    }

    /** Redis writes are asynchronous: wait (bounded) until the entry is there. */
    private void awaitEntries(long n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (((List<?>) redis.command("KEYS", "aisix:cache:*")).size() < n && System.nanoTime() < deadline) {
            GatewayFixture.sleep(10);
        }
        assertEquals(n, ((List<?>) redis.command("KEYS", "aisix:cache:*")).size());
    }

    @Test
    void hitMissAndBypassWithEntriesInRedis() throws Exception {
        start("{\"name\":\"shared-redis\",\"backend\":\"redis\",\"scope\":\"shared\",\"ttl_seconds\":120}");
        HttpResponse<String> first = chat(BODY);
        assertEquals("miss", cacheHeader(first));
        awaitEntries(1);
        String key = (String) ((List<?>) redis.command("KEYS", "aisix:cache:*")).get(0);
        long pttl = (Long) redis.command("PTTL", key);
        assertTrue(pttl > 100_000 && pttl <= 120_000, "written with PX of the policy TTL: " + pttl);
        HttpResponse<String> hit = chat(BODY);
        assertEquals("hit", cacheHeader(hit));
        assertEquals(first.body(), hit.body());
        assertEquals("bypass", cacheHeader(chat(BODY, "cache-control", "no-cache")));
        assertEquals("miss", cacheHeader(chat(BODY.replace("hi", "x"), "cache-control", "no-store")));
        GatewayFixture.sleep(100);
        assertEquals("miss", cacheHeader(chat(BODY.replace("hi", "x"), "cache-control", "no-store")),
                "no-store wrote nothing");
        assertEquals(4, TestLlmAdapter.CALLS.get());
    }

    @Test
    void streamsAreCachedInRedisAndReplayed() throws Exception {
        start("{\"name\":\"r\",\"backend\":\"redis\"}");
        HttpResponse<String> first = chat(STREAM_BODY);
        awaitEntries(1);
        HttpResponse<String> replay = chat(STREAM_BODY);
        assertEquals("hit", cacheHeader(replay));
        assertEquals(first.body(), replay.body());
        assertEquals(streamedText(first.body()), GatewayFixture.tree(chat(BODY).body()).at("/choices/0/message/content").asText());
        assertEquals(1, TestLlmAdapter.CALLS.get());
    }

    @Test
    void entriesExpireWithTheirTtl() throws Exception {
        start("{\"name\":\"r\",\"backend\":\"redis\",\"ttl_seconds\":1}");
        chat(BODY);
        awaitEntries(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String outcome = "hit";
        while (outcome.equals("hit") && System.nanoTime() < deadline) {
            GatewayFixture.sleep(100);
            outcome = cacheHeader(chat(BODY, "cache-control", "no-store"));
        }
        assertEquals("miss", outcome, "the 1 s entry expired in Redis");
    }

    @Test
    void redisDyingMidRunTurnsIntoMissesNotFailuresAndCachingResumes() throws Exception {
        start("{\"name\":\"r\",\"backend\":\"redis\"}");
        chat(BODY);
        awaitEntries(1);
        assertEquals("hit", cacheHeader(chat(BODY)));
        redis.kill();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = chat(BODY);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("miss", cacheHeader(r));
            HttpResponse<String> s = chat(STREAM_BODY);
            assertEquals(200, s.statusCode());
            assertTrue(s.body().endsWith("data: [DONE]\n\n"));
        }
        assertEquals(11, TestLlmAdapter.CALLS.get(), "every request during the outage went upstream");
        redis.restart();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String outcome = "miss";
        while (!outcome.equals("hit") && System.nanoTime() < deadline) {
            GatewayFixture.sleep(100);
            outcome = cacheHeader(chat(BODY));
        }
        assertEquals("hit", outcome, "entries are written and read again once Redis is back");
    }

    @Test
    void redisSelectedWithoutItsBlockDoesNotStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TestGateway.start(dir, "cache: { backend: redis }\n", null));
        assertEquals("cache.backend", e.key(), "named as the operator wrote it");
        assertTrue(e.getMessage().contains("no cache backend 'redis' is on (set plugins.cache-redis.url; AISIX: "
                + "cache.redis.url)"), e.getMessage());
    }

    @Test
    void unreachableRedisDoesNotStartAndNamesTheKey() {
        int port = LocalProcesses.freePort();
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "cache: { backend: redis, redis: { url: \"redis://:s3cret-pass@127.0.0.1:" + port + "/0\" } }\n", null));
        assertEquals("cache.redis.url", e.key());
        assertTrue(e.getMessage().startsWith("cache.redis.url: cannot reach Redis at 127.0.0.1:" + port + " ("), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }
}
