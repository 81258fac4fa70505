package io.aisix.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.testkit.TestPluginContext;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.spi.SseEvent;
import io.aisix.spi.StartupException;
import io.aisix.spi.Usage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MemoryCacheBackendTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    MemoryCacheBackend started(Long maxEntries, Long maxBytes) {
        MemoryCacheBackend b = new MemoryCacheBackend();
        assertTrue(b.start(new TestPluginContext().clock(clock)
                .config(new CacheConfig(null, new CacheConfig.Memory(maxEntries, maxBytes)))));
        return b;
    }

    @Test
    void eachEntryExpiresAfterItsOwnTtlOnTheInjectedClock() {
        MemoryCacheBackend b = started(null, null);
        b.put("short", new byte[] {1}, Duration.ofSeconds(10));
        b.put("long", new byte[] {2}, Duration.ofSeconds(100));
        clock.advance(Duration.ofSeconds(9));
        assertTrue(b.get("short").isPresent());
        clock.advance(Duration.ofSeconds(2));
        assertTrue(b.get("short").isEmpty());
        assertEquals(2, b.get("long").orElseThrow()[0]);
        b.put("long", new byte[] {3}, Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(6));
        assertTrue(b.get("long").isEmpty(), "a rewrite takes the new TTL");
    }

    @Test
    void maxEntriesBoundsTheCache() {
        MemoryCacheBackend b = started(50L, null);
        for (int i = 0; i < 500; i++) {
            b.put("k" + i, new byte[] {(byte) i}, Duration.ofHours(1));
        }
        assertTrue(b.size() <= 50, "size " + b.size());
    }

    @Test
    void maxBytesBoundsTheCacheOfLargeEntriesWhileSmallOnesStopAtMaxEntries() {
        MemoryCacheBackend b = started(1000L, 200_000L);
        for (int i = 0; i < 100; i++) {
            b.put("big" + i, new byte[16_000], Duration.ofHours(1));
        }
        assertTrue(b.size() <= 200_000 / 16_000, "16 KB entries under 200 KB: " + b.size());
        assertTrue(b.size() >= 5, "but the bound is not far below it: " + b.size());
        MemoryCacheBackend small = started(50L, 10_000_000L);
        for (int i = 0; i < 500; i++) {
            small.put("k" + i, new byte[] {(byte) i}, Duration.ofHours(1));
        }
        assertTrue(small.size() <= 50 && small.size() >= 40, "count-bound: " + small.size());
    }

    @Test
    void theFiltersEntriesAreKeptUnderTheirDigestAndACompleteAnswerAsItIs() {
        MemoryCacheBackend b = started(null, null);
        CacheKey.Digest k = new CacheKey.Digest(1, 2, 3, 4);
        CacheEntry.Full full = new CacheEntry.Full("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                Optional.of(new Usage(3, 4)));
        b.putEntry(k, full, Duration.ofSeconds(10));
        assertSame(full, b.entry(new CacheKey.Digest(1, 2, 3, 4)).orElseThrow(), "the entry itself, not a decoded copy");
        assertTrue(b.get(k.text()).isEmpty(), "the text key is another key");
        assertEquals(CacheEntry.encode(full).length, full.encodedSize());
        CacheEntry.Stream stream = new CacheEntry.Stream(List.of(new SseEvent("", "{\"a\":1}")), Optional.empty());
        CacheKey.Digest s = new CacheKey.Digest(1, 2, 3, 5);
        b.putEntry(s, stream, Duration.ofSeconds(10));
        assertEquals(stream, b.entry(s).orElseThrow(), "a stream round-trips through its encoded bytes");
        assertTrue(b.entry(new CacheKey.Digest(2, 2, 3, 4)).isEmpty());
        b.putEntry(new CacheKey.Digest(0, 0, 0, 0), full, Duration.ZERO);
        assertTrue(b.entry(new CacheKey.Digest(0, 0, 0, 0)).isEmpty(), "no TTL, not stored");
        clock.advance(Duration.ofSeconds(11));
        assertTrue(b.entry(k).isEmpty(), "an entry expires after its TTL");
    }

    @Test
    void entriesWeighAsTheirTextKeyAndEncodedBytesWould() {
        assertEquals(CacheKey.Digest.TEXT_LENGTH, new CacheKey.Digest(-1, 0, 1, Long.MAX_VALUE).text().length());
        MemoryCacheBackend b = started(1000L, 200_000L);
        for (int i = 0; i < 100; i++) {
            b.putEntry(new CacheKey.Digest(i, i, i, i), new CacheEntry.Full(new byte[16_000], Optional.empty()),
                    Duration.ofHours(1));
        }
        assertTrue(b.size() <= 200_000 / 16_000 && b.size() >= 5, "16 KB answers under 200 KB: " + b.size());
        MemoryCacheBackend small = started(50L, 10_000_000L);
        for (int i = 0; i < 500; i++) {
            small.putEntry(new CacheKey.Digest(i, 0, 0, 0), new CacheEntry.Full(new byte[1], Optional.empty()),
                    Duration.ofHours(1));
        }
        assertTrue(small.size() <= 50 && small.size() >= 40, "count-bound: " + small.size());
    }

    @Test
    void aBadBoundStopsStartupNamingTheKey() {
        CacheConfig.Declaration d = new CacheConfig.Declaration();
        assertEquals("memory.max_entries", assertThrows(StartupException.class,
                () -> d.check(new CacheConfig(null, new CacheConfig.Memory(0L, null)))).key());
        assertEquals("memory.max_bytes", assertThrows(StartupException.class,
                () -> d.check(new CacheConfig(null, new CacheConfig.Memory(null, 0L)))).key());
        assertEquals(new CacheConfig("memory", new CacheConfig.Memory(10_000L, 32L << 20)), new CacheConfig(null, null));
    }
}
