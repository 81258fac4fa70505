package io.aisix.spi.cache;

import io.aisix.spi.PluginContext;
import java.time.Duration;
import java.util.Optional;

/**
 * A response cache store ({@code memory}, {@code redis}, or a plugin's), discovered with
 * {@link java.util.ServiceLoader} (declare it in {@code META-INF/services/io.aisix.spi.cache.CacheBackend}).
 *
 * <p>Lifecycle: the kernel calls {@link #start} once at startup, before any filter factory starts;
 * the backends that answer {@code true} are handed to cache filters through
 * {@link PluginContext#services(Class)}, identified by {@link #id()} (the {@code backend} field of a
 * cache policy). {@link #stop} runs once at shutdown for every started backend.
 *
 * <p>Implementations must be thread-safe and must turn their own outages into misses and dropped
 * writes, never into exceptions or long waits: a cache failure must not fail or stall a request.
 */
public interface CacheBackend {

    /** The {@code backend} value of a cache policy this serves. */
    String id();

    /**
     * Opens connections and checks settings. Returns {@code false} when the startup config leaves
     * this backend off (it is then not offered to cache filters).
     *
     * @throws io.aisix.spi.StartupException when the backend is configured but cannot run (for
     *         example its server is unreachable); the gateway then exits naming the key
     */
    default boolean start(PluginContext context) {
        return true;
    }

    /** Releases what {@link #start} opened. */
    default void stop() {
    }

    /** The stored value, or empty when absent, expired or the store is unavailable. */
    Optional<byte[]> get(String key);

    /** Stores a value for {@code ttl}; a failure drops the write silently (it is counted, not thrown). */
    void put(String key, byte[] value, Duration ttl);
}
