package io.aisix.plugin.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process-local ledger: admission rules, charges, and spend kept across a restart. */
class MemoryLedgerTest {
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    static final long END = Instant.parse("2026-12-07T00:00:00Z").toEpochMilli();

    @Test
    void reservationsKeepConcurrentRequestsUnderTheCap() {
        MemoryLedger l = new MemoryLedger(clock);
        // unknown cost (estimate 0): one request at a time learns it
        Ledger.Admitted first = assertInstanceOf(Ledger.Admitted.class, l.reserve("c", 100, 0, 60_000, END));
        assertInstanceOf(Ledger.Held.class, l.reserve("c", 100, 0, 60_000, END));
        assertEquals(30, l.charge("c", first.reservation(), 30, END));
        // known cost 30: 30 spent + two reservations of 30 fit, a third does not
        Ledger.Admitted a = assertInstanceOf(Ledger.Admitted.class, l.reserve("c", 100, 30, 60_000, END));
        Ledger.Admitted b = assertInstanceOf(Ledger.Admitted.class, l.reserve("c", 100, 30, 60_000, END));
        Ledger.Held held = assertInstanceOf(Ledger.Held.class, l.reserve("c", 100, 30, 60_000, END));
        assertEquals(30, held.spent());
        assertEquals(60, held.reserved());
        l.charge("c", a.reservation(), 30, END);
        l.charge("c", b.reservation(), 30, END);
        // 90 spent, nothing in flight: the last request may run into the cap (one per instance)
        Ledger.Admitted last = assertInstanceOf(Ledger.Admitted.class, l.reserve("c", 100, 30, 60_000, END));
        assertInstanceOf(Ledger.Held.class, l.reserve("c", 100, 30, 60_000, END));
        assertEquals(120, l.charge("c", last.reservation(), 30, END));
        assertEquals(120, assertInstanceOf(Ledger.Exhausted.class, l.reserve("c", 100, 30, 60_000, END)).spent());
        // a refused request that releases its reservation adds nothing
        assertEquals(120, l.charge("c", null, 0, END));
    }

    @Test
    void spendSurvivesARestartAndEndedPeriodsAreDropped() throws Exception {
        Path file = dir.resolve("data/budgets.json");
        MemoryLedger l = new MemoryLedger(clock, file);
        l.charge("b1:*:1", null, 1_500, END);
        l.charge("b1:k:1", null, 7, Instant.parse("2026-12-06T11:00:00Z").toEpochMilli());
        l.close();
        assertTrue(Files.readString(file).contains("\"b1:*:1\":{\"spent_nano_usd\":1500"), Files.readString(file));

        MemoryLedger again = new MemoryLedger(clock, file);
        assertEquals(1_500, again.spent("b1:*:1"));
        assertEquals(1_600, again.charge("b1:*:1", null, 100, END));
        again.close();

        clock.advance(Duration.ofHours(2)); // b1:k:1's period ended
        MemoryLedger later = new MemoryLedger(clock, file);
        assertEquals(1_600, later.spent("b1:*:1"));
        assertEquals(0, later.spent("b1:k:1"));
        later.close();
    }

    @Test
    void aDamagedFileStartsFromZero() throws Exception {
        Path file = dir.resolve("budgets.json");
        Files.writeString(file, "{not json");
        MemoryLedger l = new MemoryLedger(clock, file);
        assertEquals(0, l.spent("x"));
        assertEquals(5, l.charge("x", null, 5, END));
        l.close();
        assertTrue(Files.readString(file).contains("spent_nano_usd"), "rewritten whole");
    }
}
