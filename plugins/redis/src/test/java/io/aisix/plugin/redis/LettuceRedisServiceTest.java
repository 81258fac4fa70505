package io.aisix.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.spi.redis.RedisConnection;
import io.aisix.spi.redis.RedisException;
import io.aisix.spi.redis.RedisScript;
import io.aisix.spi.redis.RedisService;
import io.aisix.testkit.IsolatedPluginLoader;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared Redis client against a real redis-server: one connection per URL whoever asks (counted
 * with {@code CLIENT LIST}), per-handle timeouts, {@code NOSCRIPT} fallback, outage and reconnect,
 * and the plugin's own class loader.
 */
@Timeout(60)
class LettuceRedisServiceTest {
    static final Duration TIMEOUT = Duration.ofMillis(250);
    /** Keeps Redis busy for about 2 s (scripts run one at a time; other clients wait, up to 5 s). */
    static final RedisScript SLOW = RedisScript.of("""
            local s = redis.call('TIME')
            repeat
              local n = redis.call('TIME')
            until (tonumber(n[1]) - tonumber(s[1])) * 1000000 + tonumber(n[2]) - tonumber(s[2]) > 2000000
            return {1}
            """);
    static final RedisScript INCR = RedisScript.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    static final RedisScript PAIR = RedisScript.of("return {redis.call('INCR', KEYS[1]), tonumber(ARGV[1])}");

    RedisServer redis;
    LettuceRedisService service;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        service = new LettuceRedisService();
    }

    @AfterEach
    void stop() {
        service.close();
        redis.close();
    }

    /** Clients connected to Redis, apart from the one asking. */
    int clients() {
        String list = (String) redis.command("CLIENT", "LIST");
        return (int) Arrays.stream(list.split("\n")).filter(l -> !l.isBlank() && !l.contains("cmd=client|list")).count();
    }

    static final class Events implements RedisConnection.Listener {
        final AtomicInteger up = new AtomicInteger();
        final AtomicInteger down = new AtomicInteger();

        @Override
        public void connected() {
            up.incrementAndGet();
        }

        @Override
        public void disconnected() {
            down.incrementAndGet();
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LocalProcesses.sleep(20);
        }
    }

    @Test
    void usersOfOneUrlShareOneConnectionAndItClosesWithTheLastHandle() {
        RedisConnection cache = service.connect(redis.url(), TIMEOUT, new Events());
        RedisConnection limiter = service.connect(redis.url(), Duration.ofSeconds(1), new Events());
        RedisConnection budgets = service.connect(redis.url(), Duration.ofSeconds(1), new Events());
        assertEquals(1, clients(), "three users, one connection");
        assertEquals(1, service.connections());
        cache.set("k", "v".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(1)).toCompletableFuture().join();
        assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), limiter.get("k").orElseThrow());
        assertEquals(5, budgets.evalInteger(INCR, List.of("n"), List.of("5")));

        RedisConnection otherDb = service.connect(redis.url().replace("/0", "/1"), TIMEOUT, new Events());
        assertEquals(2, clients(), "another URL, another connection");
        assertTrue(otherDb.get("k").isEmpty(), "database 1");
        otherDb.close();
        await("the second connection closed", () -> clients() == 1);

        cache.close();
        cache.close(); // harmless
        assertThrows(RedisException.class, () -> cache.get("k"), "a closed handle no longer runs commands");
        limiter.close();
        assertEquals(1, clients(), "still one user");
        assertEquals(5, budgets.evalInteger(INCR, List.of("n"), List.of("0")));
        budgets.close();
        await("the connection closed with its last handle", () -> clients() == 0);
        assertEquals(0, service.connections());

        RedisConnection again = service.connect(redis.url(), TIMEOUT, new Events());
        assertEquals(1, clients(), "opened again on demand");
        service.close();
        await("closed with the service", () -> clients() == 0);
        assertThrows(RedisException.class, () -> again.get("k"));
        assertThrows(IllegalStateException.class, () -> service.connect(redis.url(), TIMEOUT, new Events()));
    }

    @Test
    void getSetAndScriptsWithTheirNoscriptFallback() {
        RedisConnection c = service.connect(redis.url(), TIMEOUT, new Events());
        assertTrue(c.get("absent").isEmpty());
        byte[] binary = {0, 1, 2, (byte) 255};
        c.set("b", binary, Duration.ofMillis(1500)).toCompletableFuture().join();
        assertArrayEquals(binary, c.get("b").orElseThrow());
        long pttl = (Long) redis.command("PTTL", "b");
        assertTrue(pttl > 0 && pttl <= 1500, "PTTL " + pttl);

        assertEquals(List.of(1L, 42L), c.evalIntegers(PAIR, List.of("p"), List.of("42")));
        redis.command("SCRIPT", "FLUSH");
        assertEquals(List.of(2L, 7L), c.evalIntegers(PAIR, List.of("p"), List.of("7")), "NOSCRIPT falls back to EVAL");
        assertEquals(1L, redis.command("SCRIPT", "EXISTS", PAIR.sha1()) instanceof List<?> l ? l.get(0) : null,
                "EVAL loaded it again");
        RedisException notIntegers = assertThrows(RedisException.class,
                () -> c.evalIntegers(RedisScript.of("return {'text'}"), List.of(), List.of()));
        assertFalse(notIntegers.describe().isEmpty());
        RedisException error = assertThrows(RedisException.class,
                () -> c.evalInteger(RedisScript.of("return redis.call('NOPE')"), List.of(), List.of()));
        assertEquals("RedisCommandExecutionException", error.type(), error.describe());
    }

    @Test
    void eachHandleBoundsItsOwnCommands() throws Exception {
        RedisConnection patient = service.connect(redis.url(), Duration.ofSeconds(5), new Events());
        RedisConnection quick = service.connect(redis.url(), TIMEOUT, new Events());
        CompletableFuture<List<Long>> slow = CompletableFuture.supplyAsync(
                () -> patient.evalIntegers(SLOW, List.of(), List.of()));
        RedisException e = null;
        while (e == null && !slow.isDone()) { // until the script runs: a GET sent before it is answered at once
            try {
                quick.get("k");
            } catch (RedisException timedOut) {
                e = timedOut;
            }
        }
        assertTrue(e != null, "a GET behind the script timed out");
        assertEquals("RedisCommandTimeoutException", e.type(), e.describe());
        assertEquals("Command timed out after 250 millisecond(s)", e.getMessage());
        CompletionException async = assertThrows(CompletionException.class,
                () -> quick.set("k", new byte[] {1}, Duration.ofMinutes(1)).toCompletableFuture().join());
        RedisException cause = assertInstanceOf(RedisException.class, async.getCause());
        assertEquals("RedisCommandTimeoutException", cause.type(), cause.describe());
        assertEquals(List.of(1L), slow.get(10, TimeUnit.SECONDS), "the patient handle waited for it");
        await("the connection serves again", () -> {
            try {
                return quick.get("nothing").isEmpty();
            } catch (RedisException busy) {
                return false;
            }
        });
    }

    @Test
    void anOutageFailsCommandsAtOnceThenTheConnectionComesBack() {
        Events events = new Events();
        RedisConnection c = service.connect(redis.url(), TIMEOUT, events);
        c.set("k", new byte[] {1}, Duration.ofMinutes(1)).toCompletableFuture().join();
        redis.kill();
        await("the loss is reported", () -> events.down.get() > 0);
        RedisException e = assertThrows(RedisException.class, () -> c.get("k"));
        assertFalse(e.describe().isEmpty());
        assertThrows(CompletionException.class,
                () -> c.set("k", new byte[] {1}, Duration.ofMinutes(1)).toCompletableFuture().join());
        assertThrows(RedisException.class, () -> c.evalInteger(INCR, List.of("n"), List.of("1")));
        redis.restart();
        await("reconnected by itself", () -> events.up.get() > 0);
        await("commands work again", () -> {
            try {
                return c.evalInteger(INCR, List.of("n"), List.of("1")) == 1;
            } catch (RedisException notYet) {
                return false;
            }
        });
        assertEquals(1, clients());
    }

    @Test
    void unreachableOrMalformedUrlsFailWithoutEchoingTheUrl() {
        int port = LocalProcesses.freePort();
        String url = "redis://:hunter2-secret@127.0.0.1:" + port + "/0";
        assertEquals("127.0.0.1:" + port, service.target(url));
        RedisException e = assertThrows(RedisException.class, () -> service.connect(url, TIMEOUT, new Events()));
        assertFalse(e.describe().contains("hunter2"), e.describe());
        assertEquals(0, service.connections());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> service.target("http://x"));
        assertEquals("is not a valid redis:// or rediss:// URL", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> service.connect("nonsense://", TIMEOUT, new Events()));
    }

    /**
     * As in the distribution: the service in a loader of its own, called from a thread whose
     * context class loader (another plugin's, or the host's) sees LatencyUtils, which the host
     * ships for Micrometer and this plugin does not. Lettuce must not probe for optional libraries
     * through that loader and then fail to link them.
     */
    @Test
    void worksInAPluginLoaderWhoseCallerSeesLibrariesItLacks() throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (IsolatedPluginLoader plugin = IsolatedPluginLoader.without("LatencyUtils-", "HdrHistogram-");
             URLClassLoader host = IsolatedPluginLoader.hostWith("LatencyUtils-", "HdrHistogram-")) {
            // the precondition that made startup fail: the host has it, the plugin folder does not
            Class.forName("org.LatencyUtils.PauseDetector", false, host);
            assertThrows(ClassNotFoundException.class, () -> plugin.loadClass("org.LatencyUtils.PauseDetector"));
            RedisService isolated = plugin.instantiate(LettuceRedisService.class.getName(), RedisService.class);
            thread.setContextClassLoader(host);
            try {
                RedisConnection c = isolated.connect(redis.url(), TIMEOUT, new Events());
                c.set("isolated", new byte[] {7}, Duration.ofSeconds(30)).toCompletableFuture().join();
                assertArrayEquals(new byte[] {7}, c.get("isolated").orElseThrow());
                c.close();
            } finally {
                isolated.close();
                thread.setContextClassLoader(previous);
            }
        }
    }
}
