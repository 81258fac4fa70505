package io.aisix.plugin.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.aisix.spi.PluginContext;
import io.aisix.spi.StartupException;
import io.aisix.spi.cache.CacheBackend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code memory} cache backend: a process-local Caffeine cache bounded by
 * {@code cache.memory.max_entries} (default 10000, least-recently/frequently used entries go
 * first), each entry expiring after its policy's TTL. Always available; entries are lost on
 * restart and not shared between gateway instances. Eviction runs on the writing thread.
 *
 * <p>Expiry follows the gateway clock ({@link PluginContext#clock()}), so a test can step time
 * instead of sleeping; with the system clock it uses the monotonic ticker.
 */
public final class MemoryCacheBackend implements CacheBackend {
    static final long DEFAULT_MAX_ENTRIES = 10_000;

    private volatile Cache<String, Stored> cache;

    /** A value and its time to live. */
    private record Stored(byte[] value, long ttlNanos) {
    }

    @Override
    public String id() {
        return "memory";
    }

    @Override
    public boolean start(PluginContext context) {
        long max;
        try {
            max = context.setting("cache.memory.max_entries").map(Long::parseLong).orElse(DEFAULT_MAX_ENTRIES);
        } catch (NumberFormatException e) {
            throw new StartupException("cache.memory.max_entries", "must be a whole number");
        }
        if (max < 1) {
            throw new StartupException("cache.memory.max_entries", "must be at least 1");
        }
        cache = Caffeine.newBuilder()
                .maximumSize(max)
                // Eviction bookkeeping runs on the writing thread (a request's virtual thread, after
                // its answer went out) instead of being handed to the common pool: the hand-off
                // woke a pool thread for nearly every write of a churning cache, which cost more
                // CPU than the bookkeeping itself.
                .executor(Runnable::run)
                .ticker(ticker(context.clock()))
                .expireAfter(new Expiry<String, Stored>() {
                    @Override
                    public long expireAfterCreate(String key, Stored value, long currentTime) {
                        return value.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Stored value, long currentTime, long currentDuration) {
                        return value.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Stored value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
        return true;
    }

    static Ticker ticker(Clock clock) {
        if (clock.getClass() == Clock.systemUTC().getClass()) {
            return Ticker.systemTicker();
        }
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    }

    @Override
    public Optional<byte[]> get(String key) {
        Cache<String, Stored> c = cache;
        if (c == null) {
            return Optional.empty();
        }
        Stored s = c.getIfPresent(key);
        return s == null ? Optional.empty() : Optional.of(s.value());
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        Cache<String, Stored> c = cache;
        if (c != null && !ttl.isNegative() && !ttl.isZero()) {
            c.put(key, new Stored(value, ttl.toNanos()));
        }
    }

    /** Entries currently held (after pending evictions ran); for tests. */
    long size() {
        Cache<String, Stored> c = cache;
        if (c == null) {
            return 0;
        }
        c.cleanUp();
        return c.estimatedSize();
    }

    @Override
    public void stop() {
        Cache<String, Stored> c = cache;
        if (c != null) {
            c.invalidateAll();
        }
    }
}
