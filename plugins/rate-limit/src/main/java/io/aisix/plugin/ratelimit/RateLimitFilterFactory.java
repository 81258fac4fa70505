package io.aisix.plugin.ratelimit;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import java.util.Optional;

/**
 * Rate limits ({@code rate_limit} on keys and models, {@code rate_limit_policies}) at
 * {@link Stage#RATE_LIMIT}, order 100.
 *
 * <p>{@link #start} picks the counter store from {@code plugins.rate-limit.backend}
 * ({@link RateLimitConfig}; AISIX: {@code ratelimit.backend}): {@code memory} (process-local) or
 * {@code redis} (shared; {@code plugins.rate-limit.redis.url} must be set and reachable and the
 * {@code redis} plugin installed, or the gateway does not start). {@link #create} compiles the snapshot's limits; with none configured
 * there is no filter and no cost.
 */
public final class RateLimitFilterFactory implements FilterFactory {
    /** Slots of a crashed instance are freed after the longest upstream call plus this margin. */
    static final long LEASE_MARGIN_MS = 60_000;

    private volatile Limiter limiter;
    private volatile LimitPlan lastPlan;

    @Override
    public String id() {
        return "rate-limit";
    }

    @Override
    public Stage stage() {
        return Stage.RATE_LIMIT;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(PluginContext context) {
        context.metrics().describe("aisix_ratelimit_rejections_total", "Requests rejected by rate limits, by scope");
        context.metrics().describe(RedisLimiter.ERRORS, "Redis calls of the rate limiter that failed, by operation");
        MemoryLimiter memory = new MemoryLimiter(context.clock());
        RateLimitConfig config = context.config(RateLimitConfig.class);
        if (!config.backend().equals("redis")) {
            limiter = memory;
            return;
        }
        limiter = RedisLimiter.connect(context, config.redis().url(), memory,
                context.upstreamTimeout().toMillis() + LEASE_MARGIN_MS);
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        LimitPlan plan = new LimitPlan(context.snapshot(), lastPlan);
        lastPlan = plan;
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        Limiter l = limiter;
        if (l == null) { // built without start (unit tests)
            synchronized (this) {
                if (limiter == null) {
                    limiter = new MemoryLimiter(context.plugin().clock());
                }
                l = limiter;
            }
        }
        return Optional.of(new RateLimitFilter(plan, l, context.plugin().metrics(), context.plugin().clock()));
    }

    @Override
    public void stop() {
        Limiter l = limiter;
        if (l != null) {
            l.close();
        }
    }
}
