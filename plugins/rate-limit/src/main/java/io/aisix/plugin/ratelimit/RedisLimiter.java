package io.aisix.plugin.ratelimit;

import io.aisix.spi.PluginContext;
import io.aisix.spi.redis.RedisScript;
import io.aisix.support.RedisLink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Counters in Redis ({@code ratelimit.backend: redis}), shared by every gateway instance that points
 * at the same Redis, so N instances enforce one combined limit.
 *
 * <p>One Lua script admits a request atomically over all its limits (same checks and order as
 * {@link MemoryLimiter}); a second one adds the real tokens and releases the slots when the request
 * ends. Both run with {@code EVALSHA} and fall back to {@code EVAL} on {@code NOSCRIPT} (after a Redis
 * restart or {@code SCRIPT FLUSH}).
 *
 * <p>Keys: {@code aisix:rl:{<bucket>}:<r|t><window>:<window start>} (strings, expiring one minute
 * after their window) and {@code aisix:rl:{<bucket>}:c} (a sorted set of the slots in use, scored by
 * their expiry, so the slots of a crashed instance free themselves after the lease TTL of
 * {@code upstream.timeout_ms} + 60 s). Windows come from the gateway clock: instances must keep
 * their clocks in sync (NTP). All keys of one request go into one script, so Redis Cluster is not
 * supported (a single Redis, or a primary with replicas behind one URL).
 *
 * <p>The connection is the {@code redis} plugin's shared one ({@link io.aisix.spi.redis.RedisService},
 * through {@link RedisLink}). Outage: every command is bounded by {@link #COMMAND_TIMEOUT} and rejected at
 * once while disconnected; a request whose admission fails is admitted by the process-local
 * {@link MemoryLimiter} instead (fail open to local counters, as AISIX), and errors are counted in
 * {@code aisix_ratelimit_backend_errors_total{backend="redis",operation}}. The connection's state
 * shows in {@code /admin/v1/health} as the dependency {@code redis (rate limits)}.
 */
final class RedisLimiter implements Limiter {
    private static final Logger LOG = Logger.getLogger(RedisLimiter.class.getName());
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);
    static final String ERRORS = "aisix_ratelimit_backend_errors_total";
    /** How long a window key outlives its window. */
    static final long WINDOW_GRACE_MS = 60_000;

    static final RedisScript ADMIT = RedisScript.of("""
            local now = tonumber(ARGV[1])
            local member = ARGV[2]
            local leaseExp = tonumber(ARGV[3])
            local leaseTtl = tonumber(ARGV[4])
            local n = #KEYS
            local counts = {}
            for pass = 1, 3 do
              for i = 1, n do
                local base = 4 + (i - 1) * 3
                local kind = ARGV[base + 1]
                local max = tonumber(ARGV[base + 2])
                if pass == 1 and kind == 'c' then
                  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
                  local cur = redis.call('ZCARD', KEYS[i])
                  if cur >= max then return {i, cur} end
                  counts[i] = cur + 1
                elseif pass == 2 and kind == 't' then
                  local cur = tonumber(redis.call('GET', KEYS[i]) or '0')
                  if cur >= max then return {i, cur} end
                  counts[i] = cur
                elseif pass == 3 and kind == 'r' then
                  local cur = tonumber(redis.call('GET', KEYS[i]) or '0')
                  if cur + 1 > max then return {i, cur} end
                  counts[i] = cur + 1
                end
              end
            end
            for i = 1, n do
              local base = 4 + (i - 1) * 3
              local kind = ARGV[base + 1]
              if kind == 'c' then
                redis.call('ZADD', KEYS[i], leaseExp, member)
                redis.call('PEXPIRE', KEYS[i], leaseTtl)
              elseif kind == 'r' then
                if redis.call('INCR', KEYS[i]) == 1 then
                  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[base + 3]))
                end
              end
            end
            local out = {0}
            for i = 1, n do out[i + 1] = counts[i] end
            return out
            """);

    static final RedisScript SETTLE = RedisScript.of("""
            local nt = tonumber(ARGV[1])
            local tokens = tonumber(ARGV[2])
            for i = 1, #KEYS do
              if i <= nt then
                if tokens > 0 then
                  redis.call('INCRBY', KEYS[i], tokens)
                  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[3 + i]))
                end
              else
                redis.call('ZREM', KEYS[i], ARGV[3])
              end
            end
            return 1
            """);

    private final Clock clock;
    private final MemoryLimiter fallback;
    private final long leaseTtlMs;
    private final RedisLink redis;
    private final String instance = UUID.randomUUID().toString();
    private final AtomicLong leases = new AtomicLong();

    private RedisLimiter(Clock clock, MemoryLimiter fallback, long leaseTtlMs, RedisLink redis) {
        this.clock = clock;
        this.fallback = fallback;
        this.leaseTtlMs = leaseTtlMs;
        this.redis = redis;
    }

    /**
     * Takes a handle on the shared connection to {@code url} and checks Redis answers; registers the
     * health {@code redis (rate limits)}.
     *
     * @throws io.aisix.spi.StartupException naming {@code plugins.rate-limit.redis.url} when the redis
     *                          plugin is not installed, the URL is malformed or Redis cannot be reached
     *                          (the message holds host and port, never the URL)
     */
    static RedisLimiter connect(PluginContext context, String url, MemoryLimiter fallback, long leaseTtlMs) {
        RedisLink redis = RedisLink.connect(context, "plugins.rate-limit.redis.url", url, COMMAND_TIMEOUT,
                "redis (rate limits)", ERRORS);
        LOG.info("redis rate-limit backend connected to " + redis.target());
        return new RedisLimiter(context.clock(), fallback, leaseTtlMs, redis);
    }

    @Override
    public Decision acquire(List<Limit> limits) {
        long nowMs = clock.millis();
        long now = Math.floorDiv(nowMs, 1000);
        int n = limits.size();
        String[] keys = new String[n];
        String[] args = new String[4 + 3 * n];
        String member = instance + ":" + leases.incrementAndGet();
        args[0] = Long.toString(nowMs);
        args[1] = member;
        args[2] = Long.toString(nowMs + leaseTtlMs);
        args[3] = Long.toString(leaseTtlMs);
        boolean holdsSlots = false;
        for (int i = 0; i < n; i++) {
            Limit l = limits.get(i);
            keys[i] = key(l, now);
            args[4 + 3 * i] = l.kind().tag;
            args[5 + 3 * i] = Long.toString(l.max());
            args[6 + 3 * i] = Long.toString(l.windowSeconds() * 1000 + WINDOW_GRACE_MS);
            holdsSlots |= l.kind() == Limit.Kind.CONCURRENCY;
        }
        List<Long> reply;
        try {
            reply = redis.connection().evalIntegers(ADMIT, Arrays.asList(keys), Arrays.asList(args));
            redis.ok();
        } catch (RuntimeException e) {
            failed("acquire", e);
            return fallback.acquire(limits);
        }
        long index = reply.get(0);
        if (index != 0) {
            return new Decision.Rejected(limits.get((int) index - 1), reply.get(1), now);
        }
        long[] counts = new long[n];
        for (int i = 0; i < n; i++) {
            counts[i] = reply.get(i + 1);
        }
        boolean countsTokens = limits.stream().anyMatch(l -> l.kind() == Limit.Kind.TOKENS);
        Lease lease = holdsSlots || countsTokens ? new RedisLease(limits, member) : Lease.NONE;
        return new Decision.Admitted(lease, counts, now);
    }

    static String key(Limit l, long now) {
        String base = "aisix:rl:{" + l.bucket() + "}:";
        if (l.kind() == Limit.Kind.CONCURRENCY) {
            return base + "c";
        }
        return base + l.kind().tag + l.windowSeconds() + ":" + l.windowStart(now);
    }

    private final class RedisLease implements Lease {
        private final List<Limit> limits;
        private final String member;
        private final AtomicBoolean settled = new AtomicBoolean();

        RedisLease(List<Limit> limits, String member) {
            this.limits = limits;
            this.member = member;
        }

        @Override
        public void settle(long tokens) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            long now = Math.floorDiv(clock.millis(), 1000);
            List<String> tokenKeys = new ArrayList<>();
            List<String> ttls = new ArrayList<>();
            List<String> slotKeys = new ArrayList<>();
            for (Limit l : limits) {
                if (l.kind() == Limit.Kind.TOKENS && tokens > 0) {
                    tokenKeys.add(key(l, now));
                    ttls.add(Long.toString(l.windowSeconds() * 1000 + WINDOW_GRACE_MS));
                } else if (l.kind() == Limit.Kind.CONCURRENCY) {
                    slotKeys.add(key(l, now));
                }
            }
            if (tokenKeys.isEmpty() && slotKeys.isEmpty()) {
                return;
            }
            List<String> keys = new ArrayList<>(tokenKeys);
            keys.addAll(slotKeys);
            List<String> args = new ArrayList<>();
            args.add(Integer.toString(tokenKeys.size()));
            args.add(Long.toString(tokens));
            args.add(member);
            args.addAll(ttls);
            try {
                redis.connection().evalInteger(SETTLE, keys, args);
            } catch (RuntimeException e) {
                // the slots expire with their lease TTL; the tokens of this request are lost
                failed("settle", e);
            }
        }
    }

    private void failed(String operation, Throwable e) {
        if (redis.failed(operation, e)) {
            LOG.warning("redis rate-limit backend at " + redis.target()
                    + " unavailable, using process-local counters (" + redis.errors()
                    + " errors so far): " + RedisLink.describe(e)
                    + "; check that Redis runs and is reachable there (plugins.rate-limit.redis.url)");
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
