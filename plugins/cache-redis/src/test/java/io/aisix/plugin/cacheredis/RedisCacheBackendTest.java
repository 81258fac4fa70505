package io.aisix.plugin.cacheredis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.plugin.redis.LettuceRedisService;
import io.aisix.spi.HealthContributor;
import io.aisix.spi.PluginContext;
import io.aisix.spi.StartupException;
import io.aisix.spi.redis.RedisConfig;
import io.aisix.spi.redis.RedisService;
import io.aisix.testkit.TestPluginContext;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The redis cache backend against a real redis-server: startup checks, PX TTL, outage and recovery. */
class RedisCacheBackendTest {
    static RedisServer redis;
    static LettuceRedisService service;
    RedisCacheBackend backend;
    TestPluginContext ctx;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        service = new LettuceRedisService();
    }

    @AfterAll
    static void stopRedis() {
        service.close();
        redis.close();
    }

    @AfterEach
    void stopBackend() {
        if (backend != null) {
            backend.stop();
        }
        if (!redis.running()) {
            redis.restart();
        }
    }

    PluginContext context(Record config) {
        ctx = new TestPluginContext().config(config).config(new RedisConfig(null)).service(RedisService.class, service);
        return ctx;
    }

    RedisCacheBackend started(String url) {
        backend = new RedisCacheBackend();
        assertTrue(backend.start(context(new CacheRedisConfig(url))));
        return backend;
    }

    @Test
    void offUnlessConfigured() {
        assertFalse(new RedisCacheBackend().start(context(new CacheRedisConfig(null))));
        assertFalse(new RedisCacheBackend().start(context(new CacheRedisConfig(" "))));
    }

    @Test
    void aUrlThatIsNotRedisIsRefusedWhenTheConfigIsBound() {
        StartupException e = assertThrows(StartupException.class,
                () -> new CacheRedisConfig.Declaration().check(new CacheRedisConfig("http://nope")));
        assertEquals("url", e.key());
    }

    @Test
    void unreachableRedisStopsStartupWithoutEchoingTheUrl() {
        int port = LocalProcesses.freePort();
        StartupException e = assertThrows(StartupException.class,
                () -> started("redis://:hunter2-secret@127.0.0.1:" + port + "/0"));
        backend = null;
        assertEquals("plugins.cache-redis.url", e.key());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        StartupException bad = assertThrows(StartupException.class, () -> started("http://nope"));
        assertEquals("plugins.cache-redis.url", bad.key());
    }

    @Test
    void aUrlWithoutTheRedisPluginStopsStartupNamingKeyAndPlugin() {
        StartupException e = assertThrows(StartupException.class, () -> new RedisCacheBackend()
                .start(new TestPluginContext().config(new CacheRedisConfig(redis.url()))));
        assertEquals("plugins.cache-redis.url", e.key());
        assertEquals("needs the redis plugin, which is not installed (no plugins/redis/ folder)", e.getMessage());
    }

    @Test
    void storesWithAPxTtl() throws Exception {
        RedisCacheBackend b = started(redis.url());
        b.put("aisix:cache:k1", new byte[] {0, 1, 2, (byte) 255}, Duration.ofMillis(1500));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.get("aisix:cache:k1").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10); // the write is asynchronous
        }
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, b.get("aisix:cache:k1").orElseThrow());
        long pttl = (Long) redis.command("PTTL", "aisix:cache:k1");
        assertTrue(pttl > 0 && pttl <= 1500, "PTTL " + pttl);
        while (b.get("aisix:cache:k1").isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(b.get("aisix:cache:k1").isEmpty(), "expired within the bounded wait");
    }

    @Test
    void anOutageIsMissesAndDroppedWritesThenRecovers() throws Exception {
        RedisCacheBackend b = started(redis.url());
        HealthContributor health = ctx.healthContributors().get(0);
        assertEquals("redis (cache)", health.name());
        assertTrue(health.status().up());
        assertEquals("127.0.0.1:" + redis.port(), health.status().target());
        assertFalse(health.gatesReadiness(), "plugins.redis.ready_while_disconnected is true by default");
        redis.kill();
        for (int i = 0; i < 5; i++) {
            assertTrue(b.get("aisix:cache:x").isEmpty());
            b.put("aisix:cache:x", new byte[] {1}, Duration.ofSeconds(60));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.errors() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(10, b.errors(), "every failed get and set is counted");
        assertEquals(10, ctx.metrics().total(RedisCacheBackend.ERRORS));
        assertFalse(health.status().up(), "the outage shows in health");
        assertFalse(health.status().error().isEmpty());
        redis.restart();
        deadline = System.nanoTime() + 15_000_000_000L;
        while (b.get("aisix:cache:x").isEmpty() && System.nanoTime() < deadline) {
            b.put("aisix:cache:x", new byte[] {1}, Duration.ofSeconds(60));
            Thread.sleep(50);
        }
        assertArrayEquals(new byte[] {1}, b.get("aisix:cache:x").orElseThrow(), "lettuce reconnected by itself");
        assertTrue(health.status().up());
    }

    @Test
    void itsHealthGatesReadinessWhenRedisIsNotReadyWhileDisconnected() {
        backend = new RedisCacheBackend();
        ctx = new TestPluginContext().config(new CacheRedisConfig(redis.url())).config(new RedisConfig(false))
                .service(RedisService.class, service);
        assertTrue(backend.start(ctx));
        assertTrue(ctx.healthContributors().get(0).gatesReadiness());
    }
}
