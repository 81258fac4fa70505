package io.aisix.plugin.ratelimit;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import io.aisix.spi.redis.RedisService;
import java.util.List;
import java.util.Map;

/**
 * {@code plugins.rate-limit}: where the counters live. AISIX's {@code ratelimit.*} still loads into it.
 *
 * @param backend {@code memory} (this process, default) or {@code redis} (shared by every instance)
 * @param redis   the server of the {@code redis} backend
 */
public record RateLimitConfig(String backend, Redis redis) {
    static final List<String> BACKENDS = List.of("memory", "redis");

    public RateLimitConfig {
        backend = backend == null ? "memory" : backend;
    }

    /** @param url {@code redis://} or {@code rediss://} URL */
    public record Redis(String url) {
    }

    /** The declaration the kernel binds {@code plugins.rate-limit} with. */
    public static final class Declaration implements PluginConfig<RateLimitConfig> {
        @Override
        public String pluginId() {
            return "rate-limit";
        }

        @Override
        public Class<RateLimitConfig> type() {
            return RateLimitConfig.class;
        }

        @Override
        public void check(RateLimitConfig config) {
            if (!BACKENDS.contains(config.backend())) {
                throw new StartupException("backend", "must be one of memory, redis (got '" + config.backend() + "')");
            }
            if (config.backend().equals("redis") && (config.redis() == null || config.redis().url() == null
                    || config.redis().url().isBlank())) {
                throw new StartupException("redis.url", "is required when the backend is redis");
            }
        }

        @Override
        public Map<String, Class<?>> needs(RateLimitConfig config) {
            return config.backend().equals("redis") ? Map.of("redis.url", RedisService.class) : Map.of();
        }
    }
}
