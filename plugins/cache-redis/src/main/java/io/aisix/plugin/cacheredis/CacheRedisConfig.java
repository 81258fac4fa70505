package io.aisix.plugin.cacheredis;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import io.aisix.spi.redis.RedisService;
import java.util.Map;

/**
 * {@code plugins.cache-redis}: the redis cache backend's start-up settings. AISIX's
 * {@code cache.redis.url} still loads into it.
 *
 * @param url {@code redis://} or {@code rediss://} URL of the server; unset, the backend is off
 */
public record CacheRedisConfig(String url) {
    public CacheRedisConfig {
        url = url == null || url.isBlank() ? null : url.trim();
    }

    /** The declaration the kernel binds {@code plugins.cache-redis} with. */
    public static final class Declaration implements PluginConfig<CacheRedisConfig> {
        @Override
        public String pluginId() {
            return "cache-redis";
        }

        @Override
        public Class<CacheRedisConfig> type() {
            return CacheRedisConfig.class;
        }

        @Override
        public void check(CacheRedisConfig config) {
            if (config.url() != null && !config.url().startsWith("redis://") && !config.url().startsWith("rediss://")) {
                throw new StartupException("url", "must be a redis:// or rediss:// URL");
            }
        }

        @Override
        public Map<String, Class<?>> needs(CacheRedisConfig config) {
            return config.url() == null ? Map.of() : Map.of("url", RedisService.class);
        }
    }
}
