package io.aisix.plugin.budgets;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import io.aisix.spi.redis.RedisService;
import java.util.List;
import java.util.Map;

/**
 * {@code plugins.budgets}: where spend is counted. This gateway's former {@code budgets.*} keys
 * still load into it (deprecated).
 *
 * @param backend           {@code memory}: this instance, kept in {@code <store.data_dir>/budgets.json}
 *                          across restarts (default); {@code redis}: shared by every replica
 * @param redis             the server of the {@code redis} backend
 * @param onRedisError      while Redis is unreachable: {@code open} (default) decides with this
 *                          instance's own counters, {@code closed} refuses requests under a hard budget
 * @param reservationWaitMs longest wait (ms, default 5000) for requests in flight to settle when
 *                          they hold the rest of a hard budget, before refusing
 */
public record BudgetsConfig(String backend, Redis redis, String onRedisError, Long reservationWaitMs) {
    public BudgetsConfig {
        backend = backend == null ? "memory" : backend;
        onRedisError = onRedisError == null ? "open" : onRedisError;
        reservationWaitMs = reservationWaitMs == null ? 5000L : reservationWaitMs;
    }

    /** @param url {@code redis://} or {@code rediss://} URL */
    public record Redis(String url) {
    }

    /** The declaration the kernel binds {@code plugins.budgets} with. */
    public static final class Declaration implements PluginConfig<BudgetsConfig> {
        @Override
        public String pluginId() {
            return "budgets";
        }

        @Override
        public Class<BudgetsConfig> type() {
            return BudgetsConfig.class;
        }

        @Override
        public void check(BudgetsConfig c) {
            oneOf("backend", c.backend(), List.of("memory", "redis"));
            oneOf("on_redis_error", c.onRedisError(), List.of("closed", "open"));
            if (c.reservationWaitMs() < 0) {
                throw new StartupException("reservation_wait_ms", "must be at least 0");
            }
            if (c.backend().equals("redis") && (c.redis() == null || c.redis().url() == null
                    || c.redis().url().isBlank())) {
                throw new StartupException("redis.url", "is required when the backend is redis");
            }
        }

        @Override
        public Map<String, Class<?>> needs(BudgetsConfig config) {
            return config.backend().equals("redis") ? Map.of("redis.url", RedisService.class) : Map.of();
        }

        private static void oneOf(String key, String value, List<String> allowed) {
            if (!allowed.contains(value)) {
                throw new StartupException(key, "must be one of " + String.join(", ", allowed) + " (got '" + value
                        + "')");
            }
        }
    }
}
