package io.aisix.plugin.cache;

import io.aisix.spi.cache.CacheBackend;
import java.time.Duration;
import java.util.Optional;

/**
 * How the cache filter keeps {@link CacheEntry}s on one backend, chosen once per backend rather
 * than per request: the in-process {@link MemoryCacheBackend} holds the entries themselves (no
 * encoded copy of an answer per write, no decoded copy per hit), any other backend gets an
 * entry's bytes ({@link CacheEntry#encode}) under the key's text, as the {@link CacheBackend}
 * SPI takes them. Exceptions pass through: the filter treats them as misses.
 */
sealed interface EntryStore {
    static EntryStore of(CacheBackend backend) {
        return backend instanceof MemoryCacheBackend memory ? new InProcess(memory) : new Encoded(backend);
    }

    /** The backend's id, for log lines. */
    String id();

    Optional<CacheEntry> read(CacheKey.Digest key);

    void write(CacheKey.Digest key, CacheEntry entry, Duration ttl);

    record InProcess(MemoryCacheBackend memory) implements EntryStore {
        @Override
        public String id() {
            return memory.id();
        }

        @Override
        public Optional<CacheEntry> read(CacheKey.Digest key) {
            return memory.entry(key);
        }

        @Override
        public void write(CacheKey.Digest key, CacheEntry entry, Duration ttl) {
            memory.putEntry(key, entry, ttl);
        }
    }

    record Encoded(CacheBackend backend) implements EntryStore {
        @Override
        public String id() {
            return backend.id();
        }

        @Override
        public Optional<CacheEntry> read(CacheKey.Digest key) {
            return backend.get(key.text()).flatMap(CacheEntry::decode);
        }

        @Override
        public void write(CacheKey.Digest key, CacheEntry entry, Duration ttl) {
            backend.put(key.text(), CacheEntry.encode(entry), ttl);
        }
    }
}
