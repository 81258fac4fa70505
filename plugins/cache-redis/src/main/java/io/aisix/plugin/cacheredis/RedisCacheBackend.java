package io.aisix.plugin.cacheredis;

import io.aisix.spi.PluginContext;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.redis.RedisConnection;
import io.aisix.support.RedisLink;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The {@code redis} cache backend: entries shared by every gateway instance that points at the
 * same Redis, written with {@code SET key value PX ttl} (keys {@code aisix:cache:<sha256>}).
 *
 * <p>Startup ({@link #start}): off unless {@code cache.backend} is {@code redis} or
 * {@code cache.redis.url} is set; once configured, a missing URL, a malformed one or a Redis that
 * does not answer {@code PING} stops the gateway with a line naming {@code cache.redis.url}, and so
 * does a missing {@code redis} plugin, whose shared connection ({@link io.aisix.spi.redis.RedisService})
 * this backend uses. The URL (it may hold a password) never appears in messages, only its host and port.
 *
 * <p>At run time an outage turns into misses and dropped writes: every command is bounded by
 * {@link #COMMAND_TIMEOUT}, commands are rejected at once while disconnected instead of queueing,
 * and the shared connection reconnects in the background (100 ms doubling to 5 s). Errors are counted in
 * {@code aisix_cache_backend_errors_total{backend="redis",operation}} and logged at most once per
 * {@link RedisLink#LOG_EVERY}. The connection's state shows in {@code /admin/v1/health} as the dependency
 * {@code redis (cache)}.
 */
public final class RedisCacheBackend implements CacheBackend {
    private static final Logger LOG = Logger.getLogger(RedisCacheBackend.class.getName());
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(200);
    static final String ERRORS = "aisix_cache_backend_errors_total";
    private static final String KEY = "plugins.cache-redis.url";

    private volatile RedisLink redis;

    @Override
    public String id() {
        return "redis";
    }

    @Override
    public boolean start(PluginContext context) {
        Optional<String> url = Optional.ofNullable(context.config(CacheRedisConfig.class).url());
        if (url.isEmpty()) {
            return false; // the cache plugin refuses to start when its backend setting needs this one
        }
        context.metrics().describe(ERRORS, "Cache backend calls that failed, by backend and operation");
        RedisLink link = RedisLink.connect(context, KEY, url.get(), COMMAND_TIMEOUT, "redis (cache)", ERRORS);
        redis = link;
        LOG.info("redis cache backend connected to " + link.target());
        return true;
    }

    @Override
    public Optional<byte[]> get(String key) {
        RedisLink r = redis;
        if (r == null) {
            return Optional.empty();
        }
        try {
            Optional<byte[]> value = r.connection().get(key);
            r.ok();
            return value;
        } catch (RuntimeException e) {
            failed(r, "get", e);
            return Optional.empty();
        }
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        RedisLink r = redis;
        if (r == null) {
            return;
        }
        RedisConnection c = r.connection();
        // fire and forget: the answer already left; a failed write is only counted
        c.set(key, value, ttl).whenComplete((ok, e) -> {
            if (e != null) {
                failed(r, "set", e);
            } else {
                r.ok();
            }
        });
    }

    /** Errors since start (for tests and health). */
    public long errors() {
        RedisLink r = redis;
        return r == null ? 0 : r.errors();
    }

    private static void failed(RedisLink r, String operation, Throwable e) {
        if (r.failed(operation, e)) {
            LOG.warning("redis cache at " + r.target() + " unavailable, serving misses (" + r.errors()
                    + " errors so far): " + RedisLink.describe(e)
                    + "; check that Redis runs and is reachable there (cache.redis.url)");
        }
    }

    @Override
    public void stop() {
        RedisLink r = redis;
        redis = null;
        if (r != null) {
            r.close();
        }
    }
}
