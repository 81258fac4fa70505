package io.aisix.plugin.budgets;

import io.aisix.spi.observe.GatewayMetrics;
import java.time.Clock;
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
    /** Per budget id and subject: the last spend seen and when its period ends, for the gauge. */
    private final Map<String, long[]> lastSeen = new ConcurrentHashMap<>();

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

    /** Records a counter's spend for {@code aisix_budget_spend_usd{budget,subject}}. */
    void seen(Budget b, String subject, long total, long periodEndMs) {
        String key = b.id() + "\n" + subject;
        long[] v = lastSeen.get(key);
        if (v == null) {
            long[] created = new long[2];
            v = lastSeen.putIfAbsent(key, created);
            if (v == null) {
                v = created;
                long[] ref = created;
                metrics.gauge("aisix_budget_spend_usd", () -> {
                    synchronized (ref) {
                        return clock.millis() >= ref[1] ? 0 : ref[0] / 1e9;
                    }
                }, "budget", b.name(), "subject", subject);
            }
        }
        synchronized (v) {
            if (periodEndMs > v[1] || (periodEndMs == v[1] && total > v[0])) {
                v[0] = total;
                v[1] = periodEndMs;
            }
        }
    }
}
