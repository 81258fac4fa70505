package io.aisix.spi.observe;

import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where a budgets plugin shows the kernel what its counters hold, for {@code GET /admin/v1/spend}
 * and the operator console's budget bars. The kernel registers one as a shared service
 * ({@code context.service(SpendBoard.class)}); the plugin calls {@link #report} once from
 * {@code start}.
 *
 * <p>Contract: the source is called on an admin request's thread; it answers from memory (what
 * this instance last saw of each counter), without I/O and without blocking. A later
 * {@link #report} replaces the earlier source.
 */
public interface SpendBoard {

    /**
     * One budget counter in its current period.
     *
     * @param budgetId  the {@code budgets} row's id
     * @param budget    its {@code name}
     * @param subject   whose counter: {@code *} (global), a key id, a team id or a model id
     * @param spentUsd  spend in the period so far, as this instance last saw it
     * @param maxUsd    the budget's cap
     * @param mode      {@code hard} or {@code warn}
     * @param periodEnd when the counter resets
     */
    record Counter(String budgetId, String budget, String subject, double spentUsd, double maxUsd, String mode,
                   Instant periodEnd) {
    }

    /** Sets the source of the counters the Admin API lists. */
    void report(Supplier<List<Counter>> source);
}
