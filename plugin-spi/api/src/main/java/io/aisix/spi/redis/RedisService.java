package io.aisix.spi.redis;

import java.time.Duration;

/**
 * The gateway's one Redis client, shared by every plugin that keeps state in Redis (the cache's
 * {@code redis} backend, the rate limiter's and the budgets' shared counters, a third-party
 * plugin's own), provided by the {@code redis} plugin folder and discovered with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.aisix.spi.redis.RedisService}; at most
 * one per installation). A plugin looks it up with
 * {@link io.aisix.spi.PluginContext#service(Class) PluginContext.service(RedisService.class)}, which
 * is empty when the {@code redis} plugin is not installed: a plugin configured with a Redis URL then
 * refuses to start, naming its key and the missing plugin ({@link #MISSING}); declaring the URL in
 * {@link io.aisix.spi.PluginConfig#needs} lets the kernel and {@code aisix validate} say so before
 * any plugin starts.
 *
 * <p>Sharing: every {@link #connect} with the same URL (the same text) shares one connection to
 * Redis, whatever plugin asks; all connections share one I/O event loop. Each caller gets its own
 * {@link RedisConnection} handle, with its own command timeout and state listener, and closes it
 * when done; the connection to Redis closes with its last handle.
 *
 * <p>Lifecycle: the kernel offers the service before any cache backend or filter factory starts
 * and {@link #close closes} it after every plugin stopped. Implementations are thread-safe.
 */
public interface RedisService extends AutoCloseable {

    /**
     * Why a configuration with a Redis URL cannot start without the {@code redis} plugin, after the
     * key that names the URL (the kernel's and the built-in users' message).
     */
    String MISSING = "needs the redis plugin, which is not installed (no plugins/redis/ folder)";

    /**
     * Where a URL points, {@code host:port}, for messages and health: never the URL itself, which
     * may hold a password.
     *
     * @throws IllegalArgumentException when {@code url} is not a valid {@code redis://} or
     *         {@code rediss://} URL (the message does not repeat it)
     */
    String target(String url);

    /**
     * A handle on the shared connection to {@code url}, opened on first use, after checking with a
     * {@code PING} (bounded by a few seconds) that Redis answers. While it is lost the connection
     * reconnects in the background (100 ms doubling to 5 s) and commands fail at once instead of
     * queueing.
     *
     * @param commandTimeout bound of every command of this handle; a command that takes longer fails
     *                       with a {@link RedisException} of type {@code RedisCommandTimeoutException}
     * @param listener       told when the shared connection is lost and when it is back
     * @throws IllegalArgumentException when the URL is malformed (as {@link #target})
     * @throws RedisException           when Redis cannot be reached now (its message says why, never
     *                                  the URL)
     */
    RedisConnection connect(String url, Duration commandTimeout, RedisConnection.Listener listener);

    /** Closes every connection and the event loop; called once by the kernel at shutdown. */
    @Override
    void close();
}
