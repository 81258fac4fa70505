package io.aisix.plugin.cache;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;

/**
 * {@code plugins.cache}: the response cache's start-up settings. AISIX's {@code cache.backend}
 * still loads into it, and this gateway's former {@code cache.memory} (deprecated).
 *
 * @param backend the cache backend that must be on for the gateway to start: {@code memory} (always
 *                on) or the id of a plugin's backend, such as {@code redis} (the cache-redis plugin,
 *                on when {@code plugins.cache-redis.url} is set); policies choose their own backend
 * @param memory  bounds of the {@code memory} backend
 */
public record CacheConfig(String backend, Memory memory) {
    public CacheConfig {
        backend = backend == null ? "memory" : backend;
        memory = memory == null ? new Memory(null, null) : memory;
    }

    /**
     * @param maxEntries entries at most (default 10000)
     * @param maxBytes   bytes of keys and answers at most (default 32 MiB)
     */
    public record Memory(Long maxEntries, Long maxBytes) {
        public Memory {
            maxEntries = maxEntries == null ? 10_000L : maxEntries;
            maxBytes = maxBytes == null ? 32L << 20 : maxBytes;
        }
    }

    /** The declaration the kernel binds {@code plugins.cache} with. */
    public static final class Declaration implements PluginConfig<CacheConfig> {
        @Override
        public String pluginId() {
            return "cache";
        }

        @Override
        public Class<CacheConfig> type() {
            return CacheConfig.class;
        }

        @Override
        public void check(CacheConfig config) {
            if (config.backend().isBlank()) {
                throw new StartupException("backend", "must name a cache backend (memory, redis, or a plugin's)");
            }
            if (config.memory().maxEntries() < 1) {
                throw new StartupException("memory.max_entries", "must be at least 1");
            }
            if (config.memory().maxBytes() < 1) {
                throw new StartupException("memory.max_bytes", "must be at least 1");
            }
        }
    }
}
