package io.aisix.plugin.cacheredis;

import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.plugin.redis.LettuceRedisService;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.redis.RedisConfig;
import io.aisix.spi.redis.RedisService;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.contract.CacheBackendContract;
import io.aisix.testkit.contract.PluginConfigContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * cache-redis keeps the CacheBackend contract, against a real redis-server on a loopback port, and
 * the PluginConfig contract (docs/plugins.md).
 */
class CacheRedisContractTest {
    static RedisServer redis;
    static LettuceRedisService service;

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

    @Nested
    class Backend extends CacheBackendContract {
        @Override
        protected CacheBackend newBackend() {
            return new RedisCacheBackend();
        }

        /** plugins.cache-redis.url set, and the redis plugin's connection service installed. */
        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().config(new CacheRedisConfig(redis.url())).config(new RedisConfig(null))
                    .service(RedisService.class, service);
        }
    }

    @Nested
    class Config extends PluginConfigContract<CacheRedisConfig> {
        @Override
        protected PluginConfig<CacheRedisConfig> declaration() {
            return new CacheRedisConfig.Declaration();
        }
    }
}
