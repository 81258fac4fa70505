package io.aisix.plugin.ratelimit;

import static io.aisix.kernel.testsupport.GatewayFixture.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.kernel.testsupport.TestGateway;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits with counters in a real redis-server ({@code ratelimit.backend: redis}): every
 * scenario of {@link RateLimitScenarios}, plus sharing between gateways, outages and startup checks.
 */
class RateLimitRedisIT extends RateLimitScenarios {
    static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void flush() {
        if (!redis.running()) {
            redis.restart();
        }
        redis.command("FLUSHALL");
    }

    @Override
    String backendYaml() {
        return "ratelimit: { backend: redis, redis: { url: \"" + redis.url() + "\" } }\n";
    }

    @Test
    void countersLiveInRedis() {
        String id = key("seen-key", "\"rate_limit\":{\"rpm\":5,\"concurrency\":2}");
        chat("seen-key", BODY);
        String window = "aisix:rl:{key:" + id + "}:r60:" + (clock.millis() / 1000 / 60 * 60);
        assertEquals("1", redis.command("GET", window));
        long ttl = (Long) redis.command("PTTL", window);
        assertTrue(ttl > 60_000 && ttl <= 120_000, "a window key outlives its window by a minute: " + ttl);
        awaitSlotsFreed(id);
    }

    @Test
    void twoGatewaysSharingOneRedisEnforceOneCombinedLimit() throws Exception {
        TestGateway second = startGateway(dir.resolve("b"));
        try {
            GatewayFixture fx2 = new GatewayFixture(second);
            // the same resources under the same ids in both stores, as two instances on one etcd would see
            String hash = sha256(secret("shared-key"));
            for (GatewayFixture f : List.of(fx, fx2)) {
                f.put("provider_keys", "pk-shared", "{\"display_name\":\"pk-shared\",\"provider\":\"test-llm\","
                        + "\"api_key\":\"sk-upstream\"}");
                f.put("models", "model-shared", "{\"display_name\":\"shared\",\"provider_key_id\":\"pk-shared\","
                        + "\"model_name\":\"up\"}");
                f.put("api_keys", "key-shared", "{\"display_name\":\"shared-key\",\"key_hash\":\"" + hash + "\","
                        + "\"rate_limit\":{\"rpm\":3}}");
            }
            String body = BODY.replace("m1", "shared");
            assertEquals(200, settled(() -> fx.chat(secret("shared-key"), body)).statusCode());
            assertEquals(200, settled(() -> fx2.chat(secret("shared-key"), body)).statusCode());
            HttpResponse<String> third = settled(() -> fx.chat(secret("shared-key"), body));
            assertEquals(200, third.statusCode());
            assertEquals("0", header(third, "x-ratelimit-remaining-requests"));
            assertRejected(settled(() -> fx2.chat(secret("shared-key"), body)), "rpm of the API key");
            assertRejected(settled(() -> fx.chat(secret("shared-key"), body)), "rpm of the API key");
        } finally {
            second.close();
        }
    }

    @Test
    void aRedisOutageFallsBackToLocalCountersAndNeverFailsRequests() {
        key("outage-key", "\"rate_limit\":{\"rpm\":2}");
        assertEquals(200, chat("outage-key", BODY).statusCode());
        assertTrue(redisHealth().path("up").asBoolean(), redisHealth().toString());
        redis.kill();
        assertEquals(200, chat("outage-key", BODY).statusCode(), "served while Redis is down");
        assertEquals(200, chat("outage-key", BODY).statusCode());
        assertRejected(chat("outage-key", BODY), "rpm");  // local counters still limit this instance
        JsonNode down = redisHealth();
        assertFalse(down.path("up").asBoolean(), down.toString());
        assertEquals("127.0.0.1:" + redis.port(), down.path("target").asText());
        assertFalse(down.path("error").asText().isEmpty(), down.toString());
        assertEquals("degraded", tree(gw.adminCall("GET", "/admin/v1/health", null).body()).path("status").asText());
        redis.restart();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (((List<?>) redis.command("KEYS", "aisix:rl:*")).isEmpty() && System.nanoTime() < deadline) {
            clock.advance(Duration.ofMinutes(1)); // fresh windows, so a request is admitted and counted again
            chat("outage-key", BODY);
            GatewayFixture.sleep(100);
        }
        assertFalse(((List<?>) redis.command("KEYS", "aisix:rl:*")).isEmpty(), "counting in Redis again after reconnect");
        assertTrue(redisHealth().path("up").asBoolean(), redisHealth().toString());
    }

    /** The Redis dependency in {@code /admin/v1/health}. */
    private JsonNode redisHealth() {
        for (JsonNode d : tree(gw.adminCall("GET", "/admin/v1/health", null).body())
                .path("dependencies")) {
            if (d.path("name").asText().equals("redis (rate limits)")) {
                return d;
            }
        }
        throw new AssertionError("no redis dependency in health");
    }

    @Test
    void flushedScriptsAreLoadedAgainWithEval() {
        String id = key("flush-key", "\"rate_limit\":{\"rpm\":3,\"concurrency\":1}");
        assertEquals(200, chat("flush-key", BODY).statusCode());
        redis.command("SCRIPT", "FLUSH");
        assertEquals(200, chat("flush-key", BODY).statusCode(), "NOSCRIPT falls back to EVAL");
        assertEquals("2", redis.command("GET", "aisix:rl:{key:" + id + "}:r60:" + (clock.millis() / 1000 / 60 * 60)));
        awaitSlotsFreed(id); // the settle script was loaded again too
    }

    @Test
    void redisSelectedWithoutItsBlockDoesNotStart() throws Exception {
        Files.createDirectories(dir.resolve("c"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> TestGateway.start(dir.resolve("c"), "ratelimit: { backend: redis }\n", null));
        assertEquals("plugins.rate-limit.redis.url", e.key(), "bound and checked before any plugin starts");
    }

    @Test
    void theNewSpellingIsBoundStrictly() throws Exception {
        Files.createDirectories(dir.resolve("c"));
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(dir.resolve("c"),
                "plugins: { rate-limit: { backend: redis, redis: { url: [6379] } } }\n", null));
        assertEquals("plugins.rate-limit.redis.url: must be a string", e.getMessage());
        e = assertThrows(ConfigException.class, () -> TestGateway.start(dir.resolve("c"),
                "plugins: { rate-limit: { backend: redis, redis: { url: x } , size: 3 } }\n", null));
        assertEquals("plugins.rate-limit.size: unknown key", e.getMessage());
    }

    @Test
    void unreachableRedisDoesNotStartAndNamesTheKey() throws Exception {
        Files.createDirectories(dir.resolve("c"));
        int port = LocalProcesses.freePort();
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(dir.resolve("c"),
                "ratelimit: { backend: redis, redis: { url: \"redis://:pa55word-x@127.0.0.1:" + port + "/0\" } }\n", null));
        assertEquals("ratelimit.redis.url", e.key());
        assertTrue(e.getMessage().startsWith("ratelimit.redis.url: cannot reach Redis at 127.0.0.1:" + port + " ("), e.getMessage());
        assertFalse(e.getMessage().contains("pa55word"), e.getMessage());
    }

    /** The slot is released just after the response went out: wait for it (bounded). */
    private static void awaitSlotsFreed(String keyId) {
        String slots = "aisix:rl:{key:" + keyId + "}:c";
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Long.valueOf(0).equals(redis.command("ZCARD", slots)) && System.nanoTime() < deadline) {
            GatewayFixture.sleep(10);
        }
        assertEquals(0L, redis.command("ZCARD", slots), "the slot was released");
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
