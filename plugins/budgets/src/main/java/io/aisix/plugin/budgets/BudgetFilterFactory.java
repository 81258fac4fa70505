package io.aisix.plugin.budgets;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.StartupException;
import io.aisix.spi.observe.SpendBoard;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Spend caps ({@code budgets} resources) at {@link Stage#RATE_LIMIT}, order 200 (after the rate
 * limits at 100).
 *
 * <p>{@link #start} picks the ledger from {@code budgets.backend}: {@code memory} (this process; spend
 * kept in {@code <store.data_dir>/budgets.json}) or {@code redis} ({@code budgets.redis.url}, shared
 * by replicas; unreachable at start stops the gateway). {@link #create} compiles the snapshot's
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
        long waitMs = longSetting(context, "budgets.reservation_wait_ms", 5000);
        long leaseMs = longSetting(context, "upstream.timeout_ms", 600_000) + LEASE_MARGIN_MS;
        String backend = context.setting("budgets.backend").orElse("memory");
        Ledger ledger;
        if (backend.equals("redis")) {
            String url = context.setting("budgets.redis.url").filter(s -> !s.isBlank()).orElseThrow(() ->
                    new StartupException("budgets.redis.url", "is required when budgets.backend is redis"));
            boolean failOpen = !context.setting("budgets.on_redis_error").orElse("open").equals("closed");
            RedisLedger redis = RedisLedger.connect(url, context.clock(), failOpen, context.metrics());
            context.addHealthContributor(redis.health());
            ledger = redis;
        } else {
            Path dir = Path.of(context.setting("store.data_dir").orElse("./data"));
            ledger = new MemoryLedger(context.clock(), dir.resolve("budgets.json"));
        }
        BudgetRuntime r = new BudgetRuntime(ledger, context.clock(), context.metrics(), waitMs, leaseMs);
        runtime = r;
        context.service(SpendBoard.class).ifPresent(board -> board.report(r::counters));
    }

    private static long longSetting(PluginContext context, String path, long dflt) {
        try {
            return context.setting(path).map(Long::parseLong).orElse(dflt);
        } catch (NumberFormatException e) {
            return dflt;
        }
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
