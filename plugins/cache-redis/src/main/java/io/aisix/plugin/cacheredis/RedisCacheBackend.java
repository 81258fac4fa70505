package io.aisix.plugin.cacheredis;

import io.aisix.spi.PluginContext;
import io.aisix.spi.StartupException;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.support.DependencyHealth;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The {@code redis} cache backend: entries shared by every gateway instance that points at the
 * same Redis, written with {@code SET key value PX ttl} (keys {@code aisix:cache:<sha256>}).
 *
 * <p>Startup ({@link #start}): off unless {@code cache.backend} is {@code redis} or
 * {@code cache.redis.url} is set; once configured, a missing URL, a malformed one or a Redis that
 * does not answer {@code PING} stops the gateway with a line naming {@code cache.redis.url}. The
 * URL (it may hold a password) never appears in messages, only its host and port.
 *
 * <p>At run time an outage turns into misses and dropped writes: every command is bounded by
 * {@link #COMMAND_TIMEOUT}, commands are rejected at once while disconnected instead of queueing,
 * and lettuce reconnects in the background (100 ms doubling to 5 s). Errors are counted in
 * {@code aisix_cache_backend_errors_total{backend="redis",operation}} and logged at most once per
 * {@link #LOG_EVERY}. The connection's state shows in {@code /admin/v1/health} as the dependency
 * {@code redis (cache)}.
 */
public final class RedisCacheBackend implements CacheBackend {
    private static final Logger LOG = Logger.getLogger(RedisCacheBackend.class.getName());
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(200);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration LOG_EVERY = Duration.ofSeconds(30);
    static final String ERRORS = "aisix_cache_backend_errors_total";
    private static final String KEY = "plugins.cache-redis.url";

    private ClientResources resources;
    private RedisClient client;
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private GatewayMetrics metrics = GatewayMetrics.NOOP;
    private final AtomicLong errors = new AtomicLong();
    private DependencyHealth health;
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY.toNanos());

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
        metrics = context.metrics();
        metrics.describe(ERRORS, "Cache backend calls that failed, by backend and operation");
        RedisURI uri;
        try {
            uri = RedisURI.create(url.get());
        } catch (RuntimeException e) {
            throw new StartupException(KEY, "is not a valid redis:// or rediss:// URL");
        }
        // generous while connecting (a cold JVM on a busy host), tight once serving
        uri.setTimeout(CONNECT_TIMEOUT);
        String where = uri.getHost() + ":" + uri.getPort();
        resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                // no per-command latency histograms: nothing reads them, and lettuce would otherwise
                // probe for LatencyUtils through the context class loader, which may see a copy in
                // the host's lib/ that this plugin's own loader cannot link (NoClassDefFoundError)
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
                .build();
        client = RedisClient.create(resources, uri);
        DependencyHealth h = new DependencyHealth("redis (cache)", where, context.clock());
        health = h;
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                h.up();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                h.down("connection lost; reconnecting");
            }
        });
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled()) // async commands time out like sync ones
                .build());
        try {
            StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
            c.sync().ping();
            c.setTimeout(COMMAND_TIMEOUT);
            connection = c;
        } catch (RuntimeException e) {
            stop();
            throw new StartupException(KEY, "cannot reach Redis at " + where + " (" + reason(e) + ")");
        }
        context.addHealthContributor(h);
        LOG.info("redis cache backend connected to " + where);
        return true;
    }

    /** The innermost message, which names the network failure without echoing the URL. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    @Override
    public Optional<byte[]> get(String key) {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null) {
            return Optional.empty();
        }
        try {
            Optional<byte[]> value = Optional.ofNullable(c.sync().get(key.getBytes(StandardCharsets.UTF_8)));
            health.up();
            return value;
        } catch (RuntimeException e) {
            failed("get", e);
            return Optional.empty();
        }
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null) {
            return;
        }
        long ms = Math.max(1, ttl.toMillis());
        try {
            // fire and forget: the answer already left; a failed write is only counted
            c.async().set(key.getBytes(StandardCharsets.UTF_8), value, SetArgs.Builder.px(ms))
                    .whenComplete((ok, e) -> {
                        if (e != null) {
                            failed("set", e);
                        } else {
                            health.up();
                        }
                    });
        } catch (RuntimeException e) {
            failed("set", e);
        }
    }

    /** Errors since start (for tests and health). */
    public long errors() {
        return errors.get();
    }

    private void failed(String operation, Throwable e) {
        errors.incrementAndGet();
        health.down(e.getClass().getSimpleName() + ": " + reason(e));
        metrics.increment(ERRORS, "backend", "redis", "operation", operation);
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= LOG_EVERY.toNanos() && lastLogNanos.compareAndSet(last, now)) {
            LOG.warning("redis cache at " + health.status().target() + " unavailable, serving misses (" + errors.get()
                    + " errors so far): " + e.getClass().getSimpleName() + ": " + reason(e)
                    + "; check that Redis runs and is reachable there (cache.redis.url)");
        }
    }

    @Override
    public void stop() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            client = null;
        }
        if (resources != null) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            resources = null;
        }
    }
}
