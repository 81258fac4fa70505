package io.aisix.plugin.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.aisix.spi.PluginContext;
import io.aisix.spi.cache.CacheBackend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code memory} cache backend: a process-local Caffeine cache bounded by
 * {@code plugins.cache.memory.max_entries} (default 10000) and {@code plugins.cache.memory.max_bytes} (default
 * 32 MiB of keys and answers), least-recently/frequently used entries going first, each entry
 * expiring after its policy's TTL. Always available; entries are lost on restart and not shared
 * between gateway instances. Eviction runs on the writing thread.
 *
 * <p>Both bounds hold with one Caffeine weight: an entry weighs its bytes, but at least
 * {@code max_bytes / max_entries}, so a full cache of small entries stops at {@code max_entries}
 * and one of large entries at {@code max_bytes}. A count alone let the heap fill up: a streamed
 * answer's entry is ~16 KB against ~1.5 KB for a plain one, and 10,000 of them would not fit the
 * gateway's default heap (bursts of streams ran into full collections).
 *
 * <p>Expiry follows the gateway clock ({@link PluginContext#clock()}), so a test can step time
 * instead of sleeping; with the system clock it uses the monotonic ticker.
 */
public final class MemoryCacheBackend implements CacheBackend {
    /** What a key and entry cost beyond their bytes: the key's String, the entry and Caffeine's node. */
    private static final int ENTRY_OVERHEAD = 160;

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
        CacheConfig.Memory bounds = context.config(CacheConfig.class).memory();
        long maxEntries = bounds.maxEntries();
        long maxBytes = bounds.maxBytes();
        long minWeight = Math.max(1, maxBytes / maxEntries);
        cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Stored value) ->
                        (int) Math.min(Integer.MAX_VALUE, Math.max(minWeight, weight(key, value))))
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

    private static long weight(String key, Stored value) {
        return (long) value.value().length + 2L * key.length() + ENTRY_OVERHEAD;
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
