package io.aisix.spi.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * A response cache store ({@code memory}, {@code redis}, or a plugin's). Implementations must
 * turn their own outages into misses and dropped writes, never into exceptions: a cache failure
 * must not fail a request.
 */
public interface CacheBackend {

    /** The {@code backend} value of a cache policy this serves. */
    String id();

    Optional<byte[]> get(String key);

    void put(String key, byte[] value, Duration ttl);
}
