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
 * <p>The cache filter's own entries take a shorter path than {@link #get} and {@link #put}: under
 * their {@link CacheKey.Digest} instead of its text, and a complete answer as it is instead of its
 * encoded copy ({@link #entry}, {@link #putEntry}). Both weigh what their text and bytes would.
 *
 * <p>Expiry follows the gateway clock ({@link PluginContext#clock()}), so a test can step time
 * instead of sleeping; with the system clock it uses the monotonic ticker.
 */
public final class MemoryCacheBackend implements CacheBackend {
    /** What a key and entry cost beyond their bytes: the key's object, the entry and Caffeine's node. */
    private static final int ENTRY_OVERHEAD = 160;

    /** Keys: the SPI's text keys, and the cache filter's {@link CacheKey.Digest}s ({@link #putEntry}). */
    private volatile Cache<Object, Stored> cache;

    /**
     * A value and its time to live: bytes (always under a text key, {@link #put}), or the cache
     * filter's complete answer itself (only under a digest key, {@link #putEntry}).
     */
    private record Stored(byte[] value, CacheEntry.Full entry, long ttlNanos) {
        int size() {
            return value != null ? value.length : entry.encodedSize();
        }
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
                .weigher((Object key, Stored value) ->
                        (int) Math.min(Integer.MAX_VALUE, Math.max(minWeight, weight(key, value))))
                // Eviction bookkeeping runs on the writing thread (a request's virtual thread, after
                // its answer went out) instead of being handed to the common pool: the hand-off
                // woke a pool thread for nearly every write of a churning cache, which cost more
                // CPU than the bookkeeping itself.
                .executor(Runnable::run)
                .ticker(ticker(context.clock()))
                .expireAfter(new Expiry<Object, Stored>() {
                    @Override
                    public long expireAfterCreate(Object key, Stored value, long currentTime) {
                        return value.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(Object key, Stored value, long currentTime, long currentDuration) {
                        return value.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(Object key, Stored value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
        return true;
    }

    /** A digest key weighs what its text would: the bounds do not depend on the key's form. */
    private static long weight(Object key, Stored value) {
        int keyChars = key instanceof String text ? text.length() : CacheKey.Digest.TEXT_LENGTH;
        return (long) value.size() + 2L * keyChars + ENTRY_OVERHEAD;
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
        Cache<Object, Stored> c = cache;
        if (c == null) {
            return Optional.empty();
        }
        Stored s = c.getIfPresent(key);
        return s == null ? Optional.empty() : Optional.of(s.value());
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        store(key, new Stored(value, null, ttl.toNanos()), ttl);
    }

    /**
     * The cache filter's read: the entry under {@code key}, as {@link CacheEntry#decode} would give
     * it from {@link #get}'s bytes, but without encoding and decoding an entry that
     * {@link #putEntry} stored (its body is shared, not copied: an answer's body is never changed
     * once it is a {@link io.aisix.spi.Response}).
     */
    Optional<CacheEntry> entry(CacheKey.Digest key) {
        Cache<Object, Stored> c = cache;
        if (c == null) {
            return Optional.empty();
        }
        Stored s = c.getIfPresent(key);
        if (s == null) {
            return Optional.empty();
        }
        return s.entry() != null ? Optional.of(s.entry()) : CacheEntry.decode(s.value());
    }

    /**
     * The cache filter's write: a complete answer stored as it is, weighed as its
     * {@link CacheEntry#encode}d bytes (what {@link #put} of them would weigh), so the bounds hold
     * alike; the encoded copy it saves was a second array of the answer's size per write. A
     * stream's events are stored encoded, as before: as objects they would take several times
     * their bytes (two strings and an event per chunk).
     */
    void putEntry(CacheKey.Digest key, CacheEntry entry, Duration ttl) {
        Stored value = entry instanceof CacheEntry.Full full
                ? new Stored(null, full, ttl.toNanos())
                : new Stored(CacheEntry.encode(entry), null, ttl.toNanos());
        store(key, value, ttl);
    }

    private void store(Object key, Stored value, Duration ttl) {
        Cache<Object, Stored> c = cache;
        if (c != null && !ttl.isNegative() && !ttl.isZero()) {
            c.put(key, value);
        }
    }

    /** Entries currently held (after pending evictions ran); for tests. */
    long size() {
        Cache<Object, Stored> c = cache;
        if (c == null) {
            return 0;
        }
        c.cleanUp();
        return c.estimatedSize();
    }

    @Override
    public void stop() {
        Cache<Object, Stored> c = cache;
        if (c != null) {
            c.invalidateAll();
        }
    }
}
