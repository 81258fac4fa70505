package io.aisix.plugin.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.SpendBoard;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the budgets plugin reports on the kernel's spend board ({@code GET /admin/v1/spend}). */
class BudgetRuntimeTest {
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));

    private static Budget budget(String id, String name, double max) {
        return new Budget(id, name, max, (long) (max * 1e9), "day", ZoneOffset.UTC, "api_key", Optional.empty(), true,
                true);
    }

    private long dayStart() {
        return Instant.parse("2026-12-06T00:00:00Z").getEpochSecond();
    }

    @Test
    void chargesSeenByThisInstanceAreListedWithTheBudgetAsConfiguredNow() {
        BudgetRuntime r = new BudgetRuntime(new MemoryLedger(clock), clock, GatewayMetrics.NOOP, 5000, 60_000);
        Budget b = budget("b1", "daily", 2);
        long end = Instant.parse("2026-12-07T00:00:00Z").toEpochMilli();
        r.seen(b, "key-1", 500_000_000L, end);
        List<SpendBoard.Counter> before = r.counters();
        assertEquals(1, before.size());
        assertEquals(0.5, before.get(0).spentUsd());
        assertEquals(Instant.ofEpochMilli(end), before.get(0).periodEnd());

        r.budgets(List.of(budget("b1", "daily-renamed", 3)));
        SpendBoard.Counter c = r.counters().get(0);
        assertEquals("daily-renamed", c.budget());
        assertEquals(3, c.maxUsd());
        assertEquals("hard", c.mode());

        // the period ended: 0 until the next charge, with the next reset time
        clock.advance(Duration.ofDays(1));
        c = r.counters().get(0);
        assertEquals(0, c.spentUsd());
        assertEquals(Instant.parse("2026-12-08T00:00:00Z"), c.periodEnd());

        r.budgets(List.of());
        assertTrue(r.counters().isEmpty(), "a deleted budget is not listed");
    }

    @Test
    void afterARestartTheMemoryLedgersCountersAreListedBeforeAnyCharge() {
        Path file = dir.resolve("budgets.json");
        long end = Instant.parse("2026-12-07T00:00:00Z").toEpochMilli();
        MemoryLedger first = new MemoryLedger(clock, file);
        first.charge("b1:key-1:" + dayStart(), null, 750_000_000L, end);
        first.charge("b1:key-2:" + (dayStart() - 86_400), null, 1, end); // yesterday's: not current
        first.charge("other:key-1:" + dayStart(), null, 1, end); // a budget no longer configured
        first.close();

        BudgetRuntime r = new BudgetRuntime(new MemoryLedger(clock, file), clock, GatewayMetrics.NOOP, 5000, 60_000);
        assertTrue(r.counters().isEmpty(), "nothing known before the first snapshot names the budgets");
        r.budgets(List.of(budget("b1", "daily", 1)));
        List<SpendBoard.Counter> counters = r.counters();
        assertEquals(1, counters.size(), counters.toString());
        assertEquals("key-1", counters.get(0).subject());
        assertEquals(0.75, counters.get(0).spentUsd(), 1e-12);
        assertEquals(Instant.parse("2026-12-07T00:00:00Z"), counters.get(0).periodEnd());
        r.ledger.close();
    }
}
