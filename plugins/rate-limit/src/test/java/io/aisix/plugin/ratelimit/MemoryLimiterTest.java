package io.aisix.plugin.ratelimit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.aisix.kernel.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryLimiterTest {
    // 10 s into a minute: the minute window resets in 50 s
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:10Z"));
    final MemoryLimiter limiter = new MemoryLimiter(clock);

    static Limit rpm(String bucket, long max) {
        return Limit.of(bucket, Limit.Kind.REQUESTS, max, 60, "api_key", "rpm");
    }

    static Limit tpm(String bucket, long max) {
        return Limit.of(bucket, Limit.Kind.TOKENS, max, 60, "api_key", "tpm");
    }

    static Limit conc(String bucket, long max) {
        return Limit.of(bucket, Limit.Kind.CONCURRENCY, max, 0, "api_key", "concurrency");
    }

    Decision.Admitted admit(List<Limit> limits) {
        return assertInstanceOf(Decision.Admitted.class, limiter.acquire(limits));
    }

    Decision.Rejected reject(List<Limit> limits) {
        return assertInstanceOf(Decision.Rejected.class, limiter.acquire(limits));
    }

    @Test
    void limitsInAnyOrderFromManyThreadsNeitherDeadlockNorMiscount() throws Exception {
        // eight counters on (very likely) distinct stripes, each thread taking them in its own order:
        // the stripes must be locked in one global order for this to finish
        List<Limit> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(rpm("bucket-" + i, Long.MAX_VALUE));
        }
        int threads = 4;
        int rounds = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Limit> mine = new ArrayList<>(all);
                Collections.shuffle(mine, new Random(t));
                done.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        admit(mine).lease().settle(0);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(new long[] {threads * rounds + 1}, admit(List.of(all.get(3))).counts(),
                "every admission counted exactly once");
    }

    @Test
    void fixedWindowsAlignedToTheClock() {
        List<Limit> l = List.of(rpm("k", 2));
        assertArrayEquals(new long[] {1}, admit(l).counts());
        assertArrayEquals(new long[] {2}, admit(l).counts());
        Decision.Rejected r = reject(l);
        assertEquals(2, r.current());
        assertEquals(50, r.limit().resetSeconds(r.nowSeconds()));
        clock.advance(Duration.ofSeconds(49));
        reject(l);
        clock.advance(Duration.ofSeconds(1));
        assertArrayEquals(new long[] {1}, admit(l).counts(), "a new minute");
    }

    @Test
    void tokenLimitsRejectOnceTheWindowReachedTheCap() {
        List<Limit> l = List.of(tpm("k", 10));
        admit(l).lease().settle(6);
        Decision.Admitted second = admit(l);
        assertArrayEquals(new long[] {6}, second.counts());
        second.lease().settle(4);
        assertEquals(10, reject(l).current(), "10 of 10 consumed: refused");
        clock.advance(Duration.ofMinutes(1));
        admit(l);
    }

    @Test
    void concurrencySlotsAreHeldUntilSettledExactlyOnce() {
        List<Limit> l = List.of(conc("k", 2));
        Decision.Admitted a = admit(l);
        Decision.Admitted b = admit(l);
        reject(l);
        a.lease().settle(0);
        a.lease().settle(0);
        a.lease().settle(0);
        Decision.Admitted c = admit(l);
        assertArrayEquals(new long[] {2}, c.counts());
        reject(l);
        b.lease().settle(0);
        c.lease().settle(0);
        assertArrayEquals(new long[] {1}, admit(l).counts(), "repeated settles freed no extra slot");
    }

    @Test
    void aRefusalTakesNothingFromTheOtherLimits() {
        Limit key = rpm("key", 5);
        Limit keyConc = conc("key", 1);
        Limit model = rpm("model", 1);
        admit(List.of(model)).lease().settle(0);
        Decision.Rejected r = reject(List.of(keyConc, key, model));
        assertEquals(model, r.limit());
        Decision.Admitted a = admit(List.of(keyConc, key));
        assertArrayEquals(new long[] {1, 1}, a.counts(), "the refused request consumed no key request or slot");
    }

    @Test
    void concurrencyIsCheckedBeforeRequestsSoAFullSlotCostsNoRequest() {
        Limit c = conc("k", 1);
        Limit r = rpm("k", 3);
        admit(List.of(c, r));
        assertEquals(c, reject(List.of(c, r)).limit());
        assertEquals(c, reject(List.of(c, r)).limit());
        assertArrayEquals(new long[] {2}, admit(List.of(r)).counts());
    }
}
