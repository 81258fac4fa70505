package io.aisix.plugin.cache;

import static io.aisix.kernel.testsupport.GatewayFixture.cacheHeader;
import static io.aisix.kernel.testsupport.GatewayFixture.streamedText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.testkit.CompletionRecorder;
import io.aisix.testkit.TestLlmAdapter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The response cache with the redis backend (a real redis-server), end to end; and {@code /readyz}
 * through a Redis outage with this backend as the Redis user: by default the outage degrades
 * {@code /admin/v1/health} and the instance stays ready (AISIX's behaviour); with
 * {@code plugins.redis.ready_while_disconnected: false} it answers 503 with the dependency's reason
 * until Redis is back (restarted on its port). That key is bound strictly.
 */
class CacheRedisIT {
    static final String BODY = CacheMemoryIT.BODY;
    static final String STREAM_BODY = CacheMemoryIT.STREAM_BODY;
    static final Duration READY_WAIT = Duration.ofSeconds(20);
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

    private void startProbed(String extraYaml) throws Exception {
        gw = TestGateway.start(dir, "plugins:\n  cache-redis: { url: \"" + redis.url() + "\" }\n" + extraYaml, null);
        await("ready once the configuration is applied", () -> readyz().statusCode() == 200, this::readyz);
    }

    private HttpResponse<String> readyz() {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz"))));
    }

    private JsonNode health() {
        return GatewayFixture.tree(gw.adminCall("GET", "/admin/v1/health", null).body());
    }

    private static void await(String what, BooleanSupplier done, Supplier<Object> state) {
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + READY_WAIT + "; last: " + state.get());
            }
            GatewayFixture.sleep(50);
        }
    }

    private static String describe(HttpResponse<String> r) {
        return r.statusCode() + " " + r.body();
    }

    /** Readiness (plugins.redis.ready_while_disconnected), with this backend as the Redis user. */
    @Test
    void byDefaultAnOutageDegradesHealthButTheInstanceStaysReady() throws Exception {
        startProbed("");
        assertTrue(health().path("dependencies").get(0).path("up").asBoolean(), health().toString());
        redis.kill();
        await("the outage shows in /admin/v1/health", () -> health().path("status").asText().equals("degraded")
                && !health().path("dependencies").get(0).path("up").asBoolean(true), this::health);
        JsonNode dep = health().path("dependencies").get(0);
        assertEquals("redis (cache)", dep.path("name").asText(), dep.toString());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = readyz();
            assertEquals(200, r.statusCode(), describe(r));
            assertEquals("ok", r.body());
        }
    }

    @Test
    void notReadyWhileDisconnectedTurnsReadyzTo503UntilRedisIsBack() throws Exception {
        startProbed("  redis: { ready_while_disconnected: false }\n");
        redis.kill();
        await("/readyz answers 503 during the outage", () -> readyz().statusCode() == 503, this::readyz);
        HttpResponse<String> r = readyz();
        String prefix = "not ready: redis (cache) at 127.0.0.1:" + redis.port() + " down since ";
        assertTrue(r.body().startsWith(prefix), describe(r));
        assertTrue(r.body().substring(prefix.length()).matches("\\S+: \\S.*"), "since when, then the error: " + r.body());
        assertEquals("degraded", health().path("status").asText());
        HttpResponse<String> live = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/livez"))));
        assertEquals(200, live.statusCode(), "liveness never depends on Redis: " + describe(live));

        redis.restart(); // same port, empty
        await("/readyz answers 200 once Redis is back", () -> readyz().statusCode() == 200, this::readyz);
        assertEquals("ok", readyz().body());
        await("health is ok again", () -> health().path("status").asText().equals("ok"), this::health);
    }

    @Test
    void readyWhileDisconnectedIsBoundStrictly() {
        ConfigException wrongType = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "plugins: { redis: { ready_while_disconnected: sometimes } }\n", null));
        assertEquals("plugins.redis.ready_while_disconnected", wrongType.key(), wrongType.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "plugins: { redis: { ready_while_disconected: false } }\n", null));
        assertEquals("plugins.redis.ready_while_disconected", unknown.key(), unknown.getMessage());
        assertTrue(unknown.getMessage().endsWith("unknown key"), unknown.getMessage());
    }
}
