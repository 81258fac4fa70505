package io.aisix.support;

import io.aisix.spi.PluginContext;
import io.aisix.spi.StartupException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.redis.RedisConfig;
import io.aisix.spi.redis.RedisConnection;
import io.aisix.spi.redis.RedisException;
import io.aisix.spi.redis.RedisService;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plugin's use of the shared Redis client ({@link RedisService}, the {@code redis} plugin): the
 * start-up checks every Redis user makes, the {@link DependencyHealth} it reports, and the counting
 * of failures, so that each user only says what a failure means for it.
 *
 * <ul>
 * <li>{@link #connect} fails the start-up with a {@link StartupException} naming the user's URL key
 *     when the {@code redis} plugin is not installed, when the URL is malformed, or when Redis does
 *     not answer; messages hold the host and port, never the URL (it may hold a password).</li>
 * <li>The health (registered with the context) goes down with the message
 *     {@code connection lost; reconnecting} when the shared connection drops, up when it is back,
 *     down with the failure after a failed command ({@link #failed}) and up after one that worked
 *     ({@link #ok}). It gates {@code /readyz} when {@code plugins.redis.ready_while_disconnected}
 *     is false ({@link RedisConfig}).</li>
 * <li>{@link #failed} counts the failure in {@link #errors()} and in the user's metric
 *     ({@code <errors>{backend="redis",operation}}), and says when the user should log it: at most
 *     once per {@link #LOG_EVERY}.</li>
 * </ul>
 */
public final class RedisLink implements AutoCloseable {
    /** How often a user logs failures at most. */
    public static final Duration LOG_EVERY = Duration.ofSeconds(30);

    private final RedisConnection connection;
    private final DependencyHealth health;
    private final GatewayMetrics metrics;
    private final String errorsMetric;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY.toNanos());

    private RedisLink(RedisConnection connection, DependencyHealth health, GatewayMetrics metrics, String errorsMetric) {
        this.connection = connection;
        this.health = health;
        this.metrics = metrics;
        this.errorsMetric = errorsMetric;
    }

    /**
     * Takes a handle on the shared connection to {@code url} and registers its health as
     * {@code healthName} (for example {@code redis (cache)}), gating readiness as the context's
     * {@link RedisConfig} says (the {@code redis} plugin declares it wherever the service is).
     *
     * @param key            the user's URL setting, as failures name it (for example
     *                       {@code plugins.cache-redis.url})
     * @param commandTimeout bound of each command
     * @param errorsMetric   the counter {@link #failed} increments
     * @throws StartupException naming {@code key} when the redis plugin is missing, the URL is
     *                          malformed or Redis cannot be reached
     */
    public static RedisLink connect(PluginContext context, String key, String url, Duration commandTimeout,
                                    String healthName, String errorsMetric) {
        RedisService redis = context.service(RedisService.class)
                .orElseThrow(() -> new StartupException(key, RedisService.MISSING));
        String where;
        try {
            where = redis.target(url);
        } catch (IllegalArgumentException e) {
            throw new StartupException(key, "is not a valid redis:// or rediss:// URL");
        }
        DependencyHealth health = new DependencyHealth(healthName, where, context.clock(),
                !context.config(RedisConfig.class).readyWhileDisconnected());
        RedisConnection c;
        try {
            c = redis.connect(url, commandTimeout, new RedisConnection.Listener() {
                @Override
                public void connected() {
                    health.up();
                }

                @Override
                public void disconnected() {
                    health.down("connection lost; reconnecting");
                }
            });
        } catch (RedisException e) {
            throw new StartupException(key, "cannot reach Redis at " + where + " (" + e.getMessage() + ")");
        }
        context.addHealthContributor(health);
        return new RedisLink(c, health, context.metrics(), errorsMetric);
    }

    /** The connection's commands. */
    public RedisConnection connection() {
        return connection;
    }

    /** {@code host:port}, without credentials. */
    public String target() {
        return connection.target();
    }

    /** The dependency as health reports it. */
    public DependencyHealth health() {
        return health;
    }

    /** After a command that worked. */
    public void ok() {
        health.up();
    }

    /**
     * Records a failed command of {@code operation}: health down, {@link #errors()} and the metric
     * incremented.
     *
     * @return true when the caller should log it now (at most once per {@link #LOG_EVERY})
     */
    public boolean failed(String operation, Throwable e) {
        errors.incrementAndGet();
        health.down(describe(e));
        metrics.increment(errorsMetric, "backend", "redis", "operation", operation);
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        return now - last >= LOG_EVERY.toNanos() && lastLogNanos.compareAndSet(last, now);
    }

    /** Failures since the start. */
    public long errors() {
        return errors.get();
    }

    /**
     * {@code <kind>: <reason>}: a {@link RedisException}'s {@link RedisException#describe()}, else
     * the simple class name of the exception (under future wrappers) and {@link Causes#describe} of it.
     */
    public static String describe(Throwable e) {
        if (e instanceof RedisException r) {
            return r.describe();
        }
        String kind = Causes.unwrap(e).getClass().getSimpleName();
        String reason = Causes.describe(e);
        return reason.startsWith(kind) ? reason : kind + ": " + reason;
    }

    /** Releases the handle (the shared connection closes with its last one). */
    @Override
    public void close() {
        connection.close();
    }
}
