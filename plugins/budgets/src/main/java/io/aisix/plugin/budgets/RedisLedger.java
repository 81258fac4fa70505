package io.aisix.plugin.budgets;

import io.aisix.spi.StartupException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.support.DependencyHealth;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Counters in Redis ({@code budgets.backend: redis}), shared by every replica on the same Redis and
 * kept there across restarts. Connected and guarded as the rate-limit plugin's Redis limiter is:
 * lettuce with commands bounded by {@link #COMMAND_TIMEOUT}, rejected at once while disconnected,
 * scripts by {@code EVALSHA} falling back to {@code EVAL} on {@code NOSCRIPT}.
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
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration LOG_EVERY = Duration.ofSeconds(30);
    static final String ERRORS = "aisix_budget_backend_errors_total";

    static final String RESERVE = """
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
            """;

    static final String CHARGE = """
            if ARGV[1] ~= '' then redis.call('ZREM', KEYS[2], ARGV[1]) end
            local total = redis.call('INCRBY', KEYS[1], ARGV[2])
            redis.call('PEXPIREAT', KEYS[1], ARGV[3])
            return total
            """;

    private static final String RESERVE_SHA = sha1(RESERVE);
    private static final String CHARGE_SHA = sha1(CHARGE);
    /** Counters outlive their period by a day, so late charges and clock skew find them. */
    static final long KEEP_AFTER_PERIOD_MS = 86_400_000L;

    private final Clock clock;
    private final MemoryLedger fallback;
    private final boolean failOpen;
    private final GatewayMetrics metrics;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final DependencyHealth health;
    private final String instance = UUID.randomUUID() + ":";
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY.toNanos());

    private RedisLedger(Clock clock, MemoryLedger fallback, boolean failOpen, GatewayMetrics metrics,
                        ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> c,
                        DependencyHealth health) {
        this.clock = clock;
        this.fallback = fallback;
        this.failOpen = failOpen;
        this.metrics = metrics;
        this.resources = resources;
        this.client = client;
        this.connection = c;
        this.health = health;
    }

    /**
     * Connects and checks Redis answers.
     *
     * @throws StartupException naming {@code plugins.budgets.redis.url} when the URL is malformed or Redis
     *                          cannot be reached (the message holds host and port, never the URL)
     */
    static RedisLedger connect(String url, Clock clock, boolean failOpen, GatewayMetrics metrics) {
        RedisURI uri;
        try {
            uri = RedisURI.create(url);
        } catch (RuntimeException e) {
            throw new StartupException("plugins.budgets.redis.url", "is not a valid redis:// or rediss:// URL");
        }
        uri.setTimeout(CONNECT_TIMEOUT);
        String where = uri.getHost() + ":" + uri.getPort();
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                // as in the rate-limit plugin: no latency recorder, which would look LatencyUtils up
                // through the context class loader and may find the host's copy
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, uri);
        DependencyHealth health = new DependencyHealth("redis (budgets)", where, clock);
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                health.up();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                health.down("connection lost; reconnecting");
            }
        });
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled())
                .build());
        try {
            StatefulRedisConnection<String, String> c = client.connect();
            c.sync().ping();
            c.setTimeout(COMMAND_TIMEOUT);
            LOG.info("redis budgets backend connected to " + where);
            return new RedisLedger(clock, new MemoryLedger(clock), failOpen, metrics, resources, client, c, health);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw new StartupException("plugins.budgets.redis.url", "cannot reach Redis at " + where + " (" + reason(e) + ")");
        }
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
        String[] keys = {spentKey(counter), reservationsKey(counter)};
        String[] args = {Long.toString(cap), Long.toString(amount), Long.toString(now), member,
                Long.toString(now + leaseMs), instance, Long.toString(Math.max(expireAtMs, now + leaseMs))};
        List<Object> reply;
        try {
            reply = eval(RESERVE_SHA, RESERVE, keys, args);
            health.up();
        } catch (RuntimeException e) {
            failed("reserve", e);
            if (!failOpen) {
                return new Unavailable("the budget store (Redis) is unreachable");
            }
            return fallback.reserve(counter, cap, estimate, leaseMs, expireAtMs);
        }
        long outcome = (Long) reply.get(0);
        long spent = (Long) reply.get(1);
        fallback.observe(counter, spent, expireAtMs);
        if (outcome == 1) {
            return new Admitted(new Reservation(member, amount), spent);
        }
        return outcome == 0 ? new Exhausted(spent) : new Held(spent, (Long) reply.get(2));
    }

    @Override
    public long charge(String counter, Reservation reservation, long nanoUsd, long expireAtMs) {
        long amount = Math.max(0, nanoUsd);
        String[] keys = {spentKey(counter), reservationsKey(counter)};
        String[] args = {reservation == null ? "" : reservation.member(), Long.toString(amount),
                Long.toString(expireAtMs + KEEP_AFTER_PERIOD_MS)};
        try {
            RedisCommands<String, String> sync = connection.sync();
            Long total;
            try {
                total = sync.evalsha(CHARGE_SHA, ScriptOutputType.INTEGER, keys, args);
            } catch (RedisNoScriptException e) {
                total = sync.eval(CHARGE, ScriptOutputType.INTEGER, keys, args);
            }
            long t = total == null ? 0 : total;
            fallback.observe(counter, t, expireAtMs);
            return t;
        } catch (RuntimeException e) {
            // the reservation lapses with its lease; this instance keeps counting the spend itself
            failed("charge", e);
            return fallback.charge(counter, reservation, amount, expireAtMs);
        }
    }

    private List<Object> eval(String sha, String script, String[] keys, String[] args) {
        RedisCommands<String, String> sync = connection.sync();
        try {
            return sync.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            return sync.eval(script, ScriptOutputType.MULTI, keys, args);
        }
    }

    DependencyHealth health() {
        return health;
    }

    long errors() {
        return errors.get();
    }

    private void failed(String operation, Throwable e) {
        errors.incrementAndGet();
        health.down(e.getClass().getSimpleName() + ": " + reason(e));
        metrics.increment(ERRORS, "backend", "redis", "operation", operation);
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= LOG_EVERY.toNanos() && lastLogNanos.compareAndSet(last, now)) {
            LOG.warning("redis budgets backend at " + health.status().target() + " unavailable ("
                    + errors.get() + " errors so far), " + (failOpen ? "admitting against this instance's own "
                    + "counters" : "refusing requests under hard budgets") + ": " + e.getClass().getSimpleName()
                    + ": " + reason(e) + "; check that Redis runs and is reachable there (plugins.budgets.redis.url)");
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        fallback.close();
    }
}
