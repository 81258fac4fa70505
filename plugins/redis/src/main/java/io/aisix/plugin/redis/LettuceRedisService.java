package io.aisix.plugin.redis;

import io.aisix.spi.redis.RedisConnection;
import io.aisix.spi.redis.RedisService;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code redis} plugin's {@link RedisService}: one lettuce client and connection per distinct
 * URL, all on one {@link ClientResources} (two I/O threads), whoever asks.
 *
 * <p>The connection is set up as each Redis user of the gateway used to set up its own: a
 * {@code PING} bounded by {@link #CONNECT_TIMEOUT} when a handle is taken, automatic reconnection
 * (100 ms doubling to 5 s), commands rejected at once while disconnected instead of queueing,
 * TCP keep-alive, and no per-command latency recorder. Command timeouts are the handles' own
 * ({@link Handle}), so lettuce's connection-wide timeout is off.
 *
 * <p>Lettuce and Netty look optional classes up through the thread context class loader, and
 * threads they start inherit it: every call that may create a client, a connection or an event
 * loop thread runs with this plugin's loader as the context loader ({@link #inOwnLoader}), since
 * the caller is another plugin (whose folder has no Netty) or the host (whose {@code lib/} may hold
 * copies this plugin's loader cannot link).
 */
public final class LettuceRedisService implements RedisService {
    /** Bound of connecting and of the {@code PING} that checks a connection when a handle is taken. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final Map<String, Shared> byUrl = new HashMap<>();
    private ClientResources resources; // guarded by this; created with the first connection
    private boolean closed; // guarded by this

    /** The connection to one URL and the handles on it. */
    static final class Shared {
        final String url;
        final String target;
        final RedisClient client;
        final StatefulRedisConnection<String, byte[]> connection;
        final List<Handle> handles = new CopyOnWriteArrayList<>();

        Shared(String url, String target, RedisClient client, StatefulRedisConnection<String, byte[]> connection) {
            this.url = url;
            this.target = target;
            this.client = client;
            this.connection = connection;
        }

        ClientResources resources() {
            return client.getResources();
        }
    }

    @Override
    public String target(String url) {
        RedisURI uri = parse(url);
        return uri.getHost() + ":" + uri.getPort();
    }

    private static RedisURI parse(String url) {
        try {
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not a valid redis:// or rediss:// URL");
        }
    }

    @Override
    public RedisConnection connect(String url, Duration commandTimeout, RedisConnection.Listener listener) {
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("the command timeout must be positive");
        }
        Objects.requireNonNull(listener, "listener");
        RedisURI uri = parse(url);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the Redis service is closed");
            }
            Shared shared = byUrl.get(url);
            if (shared == null) {
                shared = inOwnLoader(() -> open(url, uri));
                byUrl.put(url, shared);
            } else {
                Handle.await(shared.connection.async().ping(), CONNECT_TIMEOUT); // reachable now, as on first use
            }
            Handle h = new Handle(this, shared, commandTimeout, listener);
            shared.handles.add(h);
            return h;
        }
    }

    /** Opens the connection to {@code url}; guarded by this. */
    private Shared open(String url, RedisURI uri) {
        if (resources == null) {
            resources = DefaultClientResources.builder()
                    .ioThreadPoolSize(2)
                    .computationThreadPoolSize(2)
                    // no per-command latency histograms: nothing reads them, and lettuce would otherwise
                    // probe for LatencyUtils through the context class loader, which may see a copy in
                    // the host's lib/ that this plugin's own loader cannot link (NoClassDefFoundError)
                    .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2,
                            TimeUnit.MILLISECONDS))
                    .build();
        }
        uri.setTimeout(CONNECT_TIMEOUT);
        String target = uri.getHost() + ":" + uri.getPort();
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.create()) // each handle bounds its own commands
                .build());
        try {
            StatefulRedisConnection<String, byte[]> c = client.connect(CODEC);
            Handle.await(c.async().ping(), CONNECT_TIMEOUT);
            Shared shared = new Shared(url, target, client, c);
            client.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                    shared.handles.forEach(Handle::connected);
                }

                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    shared.handles.forEach(Handle::disconnected);
                }
            });
            return shared; // each user logs its own "connected" line
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw Handle.failure(e);
        }
    }

    /** Drops a handle; the connection closes with its last one. */
    void release(Handle handle) {
        Shared s = handle.shared;
        synchronized (this) {
            if (!s.handles.remove(handle) || !s.handles.isEmpty() || byUrl.get(s.url) != s) {
                return;
            }
            byUrl.remove(s.url);
        }
        inOwnLoader(() -> {
            shutdown(s);
            return null;
        });
    }

    /** The connections open now, by URL (tests). */
    synchronized int connections() {
        return byUrl.size();
    }

    private static void shutdown(Shared s) {
        try {
            s.connection.close();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
        s.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public void close() {
        List<Shared> open;
        ClientResources r;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(byUrl.values());
            byUrl.clear();
            r = resources;
            resources = null;
        }
        inOwnLoader(() -> {
            open.forEach(LettuceRedisService::shutdown);
            if (r != null) {
                r.shutdown(0, 2, TimeUnit.SECONDS);
            }
            return null;
        });
    }

    private static <T> T inOwnLoader(Supplier<T> call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(LettuceRedisService.class.getClassLoader());
        try {
            return call.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
