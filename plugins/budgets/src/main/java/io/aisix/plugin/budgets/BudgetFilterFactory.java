package io.aisix.plugin.budgets;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.SpendBoard;
import java.util.Optional;

/**
 * Spend caps ({@code budgets} resources) at {@link Stage#RATE_LIMIT}, order 200 (after the rate
 * limits at 100).
 *
 * <p>{@link #start} picks the ledger from {@code budgets.backend}: {@code memory} (this process; spend
 * kept in {@code <store.data_dir>/budgets.json}) or {@code redis} ({@code plugins.budgets.redis.url}, shared
 * by replicas, on the {@code redis} plugin's connection; unreachable at start, or that plugin missing, stops
 * the gateway). {@link #create} compiles the snapshot's
 * enabled budgets; with none there is no filter, so requests pay nothing for the plugin.
 */
public final class BudgetFilterFactory implements FilterFactory {
    /** Reservations of a crashed instance lapse after the longest upstream call plus this margin. */
    static final long LEASE_MARGIN_MS = 60_000;
    private static final BudgetKind KIND = new BudgetKind();

    private volatile BudgetRuntime runtime;

    @Override
    public String id() {
        return "budgets";
    }

    @Override
    public Stage stage() {
        return Stage.RATE_LIMIT;
    }

    @Override
    public int order() {
        return 200;
    }

    @Override
    public void start(PluginContext context) {
        GatewayMetrics m = context.metrics();
        m.describe("aisix_budget_spend_usd", "Spend of the current period per budget counter (this instance's view)");
        m.describe("aisix_budget_threshold_crossings_total", "Budget thresholds (50, 80, 100 percent) crossed");
        m.describe("aisix_budget_rejections_total", "Requests refused by hard budgets, by budget");
        m.describe(RedisLedger.ERRORS, "Redis calls of the budget ledger that failed, by operation");
        BudgetsConfig config = context.config(BudgetsConfig.class);
        long leaseMs = context.upstreamTimeout().toMillis() + LEASE_MARGIN_MS;
        Ledger ledger;
        if (config.backend().equals("redis")) {
            boolean failOpen = !config.onRedisError().equals("closed");
            ledger = RedisLedger.connect(context, config.redis().url(), failOpen);
        } else {
            ledger = new MemoryLedger(context.clock(), context.dataDir().resolve("budgets.json"));
        }
        BudgetRuntime r = new BudgetRuntime(ledger, context.clock(), context.metrics(), config.reservationWaitMs(),
                leaseMs);
        runtime = r;
        context.service(SpendBoard.class).ifPresent(board -> board.report(r::counters));
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        var rows = context.snapshot().all(KIND).values();
        BudgetPlan plan = new BudgetPlan(rows);
        BudgetRuntime started = runtime;
        if (started != null) {
            started.budgets(rows);
        }
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        BudgetRuntime r = runtime;
        if (r == null) { // built without start (unit tests)
            synchronized (this) {
                if (runtime == null) {
                    PluginContext p = context.plugin();
                    runtime = new BudgetRuntime(new MemoryLedger(p.clock()), p.clock(), p.metrics(), 5000,
                            600_000 + LEASE_MARGIN_MS);
                }
                r = runtime;
            }
        }
        return Optional.of(new BudgetFilter(plan, r));
    }

    @Override
    public void stop() {
        BudgetRuntime r = runtime;
        if (r != null) {
            r.ledger.close();
        }
    }
}
