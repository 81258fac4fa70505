package io.aisix.plugin.budgets;

import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.SpendBoard;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the budget filters of every snapshot share for the life of the process: the ledger, the
 * settings, the learned per-model cost estimates and the spend gauges.
 */
final class BudgetRuntime {
    final Ledger ledger;
    final Clock clock;
    final GatewayMetrics metrics;
    final long waitMs;
    final long leaseMs;
    /** Per resolved model id: a decaying maximum of what its requests cost, in nano-USD (0: unknown). */
    private final Map<String, AtomicLong> estimates = new ConcurrentHashMap<>();
    /** Per budget id and subject: the last spend seen and when its period ends (gauge and spend board). */
    private final Map<String, Seen> lastSeen = new ConcurrentHashMap<>();
    /** By id, the budgets of the latest snapshot; null until one was compiled. */
    private volatile Map<String, Budget> budgets;

    /** A counter as this instance last saw it; guarded by itself. */
    private static final class Seen {
        final Budget budget;
        final String subject;
        long spent;
        long periodEndMs;

        Seen(Budget budget, String subject) {
            this.budget = budget;
            this.subject = subject;
        }
    }

    BudgetRuntime(Ledger ledger, Clock clock, GatewayMetrics metrics, long waitMs, long leaseMs) {
        this.ledger = ledger;
        this.clock = clock;
        this.metrics = metrics;
        this.waitMs = waitMs;
        this.leaseMs = leaseMs;
    }

    long estimate(String modelId) {
        AtomicLong e = estimates.get(modelId);
        return e == null ? 0 : e.get();
    }

    /**
     * Learns from a finished request's cost: the estimate jumps to any higher cost and decays by a
     * sixteenth per cheaper request, so one outlier does not hold budgets back for long. At least
     * 1 once anything was learned (a free model is known to be cheap, not unknown).
     */
    void learn(String modelId, long cost) {
        AtomicLong e = estimates.computeIfAbsent(modelId, k -> new AtomicLong());
        long prev;
        long next;
        do {
            prev = e.get();
            next = Math.max(1, Math.max(cost, prev - prev / 16));
        } while (prev != next && !e.compareAndSet(prev, next));
    }

    /** Records a counter's spend for {@code aisix_budget_spend_usd{budget,subject}} and {@link #counters}. */
    void seen(Budget b, String subject, long total, long periodEndMs) {
        String key = b.id() + "\n" + subject;
        Seen v = lastSeen.get(key);
        if (v == null) {
            Seen created = new Seen(b, subject);
            v = lastSeen.putIfAbsent(key, created);
            if (v == null) {
                v = created;
                metrics.gauge("aisix_budget_spend_usd", () -> {
                    synchronized (created) {
                        return clock.millis() >= created.periodEndMs ? 0 : created.spent / 1e9;
                    }
                }, "budget", b.name(), "subject", subject);
            }
        }
        synchronized (v) {
            if (periodEndMs > v.periodEndMs || (periodEndMs == v.periodEndMs && total > v.spent)) {
                v.spent = total;
                v.periodEndMs = periodEndMs;
            }
        }
    }

    /** The budgets of the latest snapshot, so counters name them as configured now. */
    void budgets(Collection<Budget> current) {
        Map<String, Budget> byId = new LinkedHashMap<>();
        current.forEach(b -> byId.put(b.id(), b));
        budgets = Map.copyOf(byId);
    }

    /**
     * The {@link SpendBoard} source, read from memory only: every counter this instance charged
     * since start, and the current-period counters the ledger holds in memory (a memory ledger's,
     * read back from its file after a restart) of the latest snapshot's budgets; a budget no
     * longer configured is left out. A counter whose period ended shows 0 until its next charge.
     */
    List<SpendBoard.Counter> counters() {
        Instant now = clock.instant();
        Map<String, Budget> configured = budgets;
        Map<String, SpendBoard.Counter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Seen> e : lastSeen.entrySet()) {
            Seen v = e.getValue();
            Budget b = configured == null ? v.budget : configured.get(v.budget.id());
            if (b == null) {
                continue;
            }
            synchronized (v) {
                boolean current = now.toEpochMilli() < v.periodEndMs;
                Instant end = current ? Instant.ofEpochMilli(v.periodEndMs) : b.periodEnd(b.periodStart(now)).toInstant();
                out.put(e.getKey(), counter(b, v.subject, current ? v.spent : 0, end));
            }
        }
        if (configured == null) {
            return List.copyOf(out.values());
        }
        Map<String, Long> held = ledger.held();
        for (Budget b : configured.values()) {
            ZonedDateTime start = b.periodStart(now);
            String prefix = b.id() + ":";
            String suffix = ":" + start.toEpochSecond();
            held.forEach((counter, spent) -> {
                if (counter.startsWith(prefix) && counter.endsWith(suffix)
                        && counter.length() > prefix.length() + suffix.length()) {
                    String subject = counter.substring(prefix.length(), counter.length() - suffix.length());
                    out.putIfAbsent(b.id() + "\n" + subject,
                            counter(b, subject, spent, b.periodEnd(start).toInstant()));
                }
            });
        }
        return List.copyOf(out.values());
    }

    private static SpendBoard.Counter counter(Budget b, String subject, long nanoUsd, Instant end) {
        return new SpendBoard.Counter(b.id(), b.name(), subject, nanoUsd / 1e9, b.maxUsd(), b.hard() ? "hard" : "warn",
                end);
    }
}
