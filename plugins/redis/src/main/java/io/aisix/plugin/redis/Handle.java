package io.aisix.plugin.redis;

import io.aisix.spi.redis.RedisConnection;
import io.aisix.spi.redis.RedisException;
import io.aisix.spi.redis.RedisScript;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.internal.ExceptionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One plugin's {@link RedisConnection} on a {@link LettuceRedisService.Shared} connection: its own
 * command timeout, its own listener. A synchronous command waits at most the timeout and is then
 * cancelled ({@link LettuceFutures#awaitOrCancel}, as lettuce's own synchronous API does, so the
 * failure reads alike); an asynchronous one is failed by a timer of the shared client resources.
 */
final class Handle implements RedisConnection {
    private static final Logger LOG = Logger.getLogger(Handle.class.getName());

    private final LettuceRedisService service;
    final LettuceRedisService.Shared shared;
    private final Duration timeout;
    private final Listener listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    Handle(LettuceRedisService service, LettuceRedisService.Shared shared, Duration timeout, Listener listener) {
        this.service = service;
        this.shared = shared;
        this.timeout = timeout;
        this.listener = listener;
    }

    @Override
    public String target() {
        return shared.target;
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(sync(() -> commands().get(key)));
    }

    @Override
    public CompletionStage<Void> set(String key, byte[] value, Duration ttl) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        RedisFuture<String> f;
        try {
            f = commands().set(key, value, SetArgs.Builder.px(Math.max(1, ttl.toMillis())));
        } catch (RuntimeException e) {
            done.completeExceptionally(failure(e));
            return done;
        }
        var timer = shared.resources().timer().newTimeout(t -> {
            if (done.completeExceptionally(failure(ExceptionFactory.createTimeoutException(timeout)))) {
                f.cancel(true);
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        f.whenComplete((ok, e) -> {
            timer.cancel();
            if (e == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure(e));
            }
        });
        return done;
    }

    @Override
    public List<Long> evalIntegers(RedisScript script, List<String> keys, List<String> args) {
        List<Object> reply = eval(script, ScriptOutputType.MULTI, keys, args);
        List<Long> out = new ArrayList<>(reply.size());
        for (Object o : reply) {
            if (!(o instanceof Long l)) {
                throw new RedisException("RedisException", "the script answered " + o + " where an integer was expected");
            }
            out.add(l);
        }
        return out;
    }

    @Override
    public long evalInteger(RedisScript script, List<String> keys, List<String> args) {
        Long reply = eval(script, ScriptOutputType.INTEGER, keys, args);
        if (reply == null) {
            throw new RedisException("RedisException", "the script answered nil where an integer was expected");
        }
        return reply;
    }

    private <T> T eval(RedisScript script, ScriptOutputType type, List<String> keys, List<String> args) {
        String[] k = keys.toArray(String[]::new);
        byte[][] a = new byte[args.size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = args.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return guarded(() -> {
            try {
                return LettuceFutures.awaitOrCancel(commands().<T>evalsha(script.sha1(), type, k, a),
                        timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RedisNoScriptException e) {
                return LettuceFutures.awaitOrCancel(commands().<T>eval(script.source(), type, k, a),
                        timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        });
    }

    /** A command awaited within the timeout, its failures as {@link RedisException}. */
    private <T> T sync(Supplier<RedisFuture<T>> command) {
        return guarded(() -> LettuceFutures.awaitOrCancel(command.get(), timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    private static <T> T guarded(Supplier<T> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    private RedisAsyncCommands<String, byte[]> commands() {
        if (closed.get()) {
            throw new RedisException("RedisException", "the connection handle is closed");
        }
        return shared.connection.async();
    }

    /** Waits for a command within {@code timeout} (the connect-time {@code PING}). */
    static <T> T await(RedisFuture<T> f, Duration timeout) {
        return guarded(() -> LettuceFutures.awaitOrCancel(f, timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    /**
     * The library's failure as text: its class's simple name, and the innermost cause's message
     * (which names the network failure and never holds the URL).
     */
    static RedisException failure(Throwable e) {
        Throwable outer = e;
        while ((outer instanceof CompletionException || outer instanceof ExecutionException) && outer.getCause() != null) {
            outer = outer.getCause();
        }
        if (outer instanceof RedisException r) {
            return r;
        }
        Throwable t = outer;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return new RedisException(outer.getClass().getSimpleName(), m == null ? t.getClass().getSimpleName() : m);
    }

    void connected() {
        if (!closed.get()) {
            notify(listener::connected);
        }
    }

    void disconnected() {
        if (!closed.get()) {
            notify(listener::disconnected);
        }
    }

    private static void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a Redis connection listener failed", e);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            service.release(this);
        }
    }
}
