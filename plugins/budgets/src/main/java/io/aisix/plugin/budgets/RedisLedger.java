package io.aisix.plugin.budgets;

import io.aisix.spi.PluginContext;
import io.aisix.spi.redis.RedisScript;
import io.aisix.support.DependencyHealth;
import io.aisix.support.RedisLink;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Counters in Redis ({@code budgets.backend: redis}), shared by every replica on the same Redis and
 * kept there across restarts. On the {@code redis} plugin's shared connection, as the rate-limit
 * plugin's Redis limiter ({@link RedisLink}): commands bounded by {@link #COMMAND_TIMEOUT}, rejected at
 * once while disconnected, scripts by {@code EVALSHA} falling back to {@code EVAL} on {@code NOSCRIPT}.
 *
 * <p>Keys per counter: {@code aisix:budget:{<counter>}:s}, the spend in nano-USD (an integer string,
 * {@code INCRBY}; expires a day after its period), and {@code aisix:budget:{<counter>}:r}, a sorted
 * set of reservations ({@code <instance>:<seq>:<nano-USD>}, scored by the time they lapse, so an
 * instance that crashed mid-request frees its reservations after the lease). Admission is one
 * script over both keys, so replicas decide against one consistent total.
 *
 * <p>Outage: with {@code on_redis_error: open} a failed admission is decided by this instance's
 * {@link MemoryLedger} (its own counters, which follow the last spend Redis reported to this
 * instance) and a failed charge is counted there, so this instance still stops its own spending; with {@code closed} a failed admission is
 * {@link Ledger.Unavailable}. Errors count in {@code aisix_budget_backend_errors_total{operation}}
 * and show in health as {@code redis (budgets)}.
 */
final class RedisLedger implements Ledger {
    private static final Logger LOG = Logger.getLogger(RedisLedger.class.getName());
    /**
     * Longer than the rate limiter's 250 ms: a charge that times out is lost to the shared total, and
     * an admission that times out is decided locally; a disconnected Redis still fails at once.
     */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    static final String ERRORS = "aisix_budget_backend_errors_total";

    static final RedisScript RESERVE = RedisScript.of("""
            local cap = tonumber(ARGV[1])
            local est = tonumber(ARGV[2])
            local now = tonumber(ARGV[3])
            local member = ARGV[4]
            local lapse = tonumber(ARGV[5])
            local mine = ARGV[6]
            local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
            if spent >= cap then return {0, spent, 0} end
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            local reserved = 0
            local held = 0
            for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
              reserved = reserved + tonumber(string.match(m, ':(%d+)$'))
              if string.sub(m, 1, #mine) == mine then held = held + 1 end
            end
            if (est > 0 and spent + reserved + est <= cap) or held == 0 then
              redis.call('ZADD', KEYS[2], lapse, member)
              redis.call('PEXPIREAT', KEYS[2], tonumber(ARGV[7]))
              return {1, spent, reserved}
            end
            return {2, spent, reserved}
            """);

    static final RedisScript CHARGE = RedisScript.of("""
            if ARGV[1] ~= '' then redis.call('ZREM', KEYS[2], ARGV[1]) end
            local total = redis.call('INCRBY', KEYS[1], ARGV[2])
            redis.call('PEXPIREAT', KEYS[1], ARGV[3])
            return total
            """);

    /** Counters outlive their period by a day, so late charges and clock skew find them. */
    static final long KEEP_AFTER_PERIOD_MS = 86_400_000L;

    private final Clock clock;
    private final MemoryLedger fallback;
    private final boolean failOpen;
    private final RedisLink redis;
    private final String instance = UUID.randomUUID() + ":";
    private final AtomicLong seq = new AtomicLong();

    private RedisLedger(Clock clock, MemoryLedger fallback, boolean failOpen, RedisLink redis) {
        this.clock = clock;
        this.fallback = fallback;
        this.failOpen = failOpen;
        this.redis = redis;
    }

    /**
     * Takes a handle on the shared connection to {@code url} and checks Redis answers; registers the
     * health {@code redis (budgets)}.
     *
     * @throws io.aisix.spi.StartupException naming {@code plugins.budgets.redis.url} when the redis
     *                          plugin is not installed, the URL is malformed or Redis cannot be reached
     *                          (the message holds host and port, never the URL)
     */
    static RedisLedger connect(PluginContext context, String url, boolean failOpen) {
        RedisLink redis = RedisLink.connect(context, "plugins.budgets.redis.url", url, COMMAND_TIMEOUT,
                "redis (budgets)", ERRORS);
        LOG.info("redis budgets backend connected to " + redis.target());
        return new RedisLedger(context.clock(), new MemoryLedger(context.clock()), failOpen, redis);
    }

    static String spentKey(String counter) {
        return "aisix:budget:{" + counter + "}:s";
    }

    static String reservationsKey(String counter) {
        return "aisix:budget:{" + counter + "}:r";
    }

    @Override
    public Admission reserve(String counter, long cap, long estimate, long leaseMs, long expireAtMs) {
        long now = clock.millis();
        long amount = Math.max(0, estimate);
        String member = instance + seq.incrementAndGet() + ":" + amount;
        List<String> keys = List.of(spentKey(counter), reservationsKey(counter));
        List<String> args = List.of(Long.toString(cap), Long.toString(amount), Long.toString(now), member,
                Long.toString(now + leaseMs), instance, Long.toString(Math.max(expireAtMs, now + leaseMs)));
        List<Long> reply;
        try {
            reply = redis.connection().evalIntegers(RESERVE, keys, args);
            redis.ok();
        } catch (RuntimeException e) {
            failed("reserve", e);
            if (!failOpen) {
                return new Unavailable("the budget store (Redis) is unreachable");
            }
            return fallback.reserve(counter, cap, estimate, leaseMs, expireAtMs);
        }
        long outcome = reply.get(0);
        long spent = reply.get(1);
        fallback.observe(counter, spent, expireAtMs);
        if (outcome == 1) {
            return new Admitted(new Reservation(member, amount), spent);
        }
        return outcome == 0 ? new Exhausted(spent) : new Held(spent, reply.get(2));
    }

    @Override
    public long charge(String counter, Reservation reservation, long nanoUsd, long expireAtMs) {
        long amount = Math.max(0, nanoUsd);
        List<String> keys = List.of(spentKey(counter), reservationsKey(counter));
        List<String> args = List.of(reservation == null ? "" : reservation.member(), Long.toString(amount),
                Long.toString(expireAtMs + KEEP_AFTER_PERIOD_MS));
        try {
            long t = redis.connection().evalInteger(CHARGE, keys, args);
            fallback.observe(counter, t, expireAtMs);
            return t;
        } catch (RuntimeException e) {
            // the reservation lapses with its lease; this instance keeps counting the spend itself
            failed("charge", e);
            return fallback.charge(counter, reservation, amount, expireAtMs);
        }
    }

    DependencyHealth health() {
        return redis.health();
    }

    long errors() {
        return redis.errors();
    }

    private void failed(String operation, Throwable e) {
        if (redis.failed(operation, e)) {
            LOG.warning("redis budgets backend at " + redis.target() + " unavailable ("
                    + redis.errors() + " errors so far), " + (failOpen ? "admitting against this instance's own "
                    + "counters" : "refusing requests under hard budgets") + ": " + RedisLink.describe(e)
                    + "; check that Redis runs and is reachable there (plugins.budgets.redis.url)");
        }
    }

    @Override
    public void close() {
        redis.close();
        fallback.close();
    }
}
