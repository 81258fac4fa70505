package io.aisix.plugin.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.plugin.redis.LettuceRedisService;
import io.aisix.spi.StartupException;
import io.aisix.spi.redis.RedisConfig;
import io.aisix.spi.redis.RedisService;
import io.aisix.testkit.TestPluginContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Redis ledger against a real redis-server: two instances share one counter; outages open or closed. */
@Timeout(60)
class RedisLedgerIT {
    RedisServer redis;
    LettuceRedisService service;
    final List<RedisLedger> ledgers = new ArrayList<>();
    static final long END = System.currentTimeMillis() + 3_600_000;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        service = new LettuceRedisService();
    }

    @AfterEach
    void stop() {
        ledgers.forEach(RedisLedger::close);
        service.close();
        redis.close();
    }

    RedisLedger ledger(boolean failOpen) {
        RedisLedger l = RedisLedger.connect(context(), redis.url(), failOpen);
        ledgers.add(l);
        return l;
    }

    TestPluginContext context() {
        return new TestPluginContext().config(new RedisConfig(null)).service(RedisService.class, service);
    }

    @Test
    void twoInstancesUnderConcurrentLoadOvershootByAtMostOneRequestEach() throws Exception {
        RedisLedger a = ledger(true);
        RedisLedger b = ledger(true);
        long cost = 1_000;
        long cap = 50_000; // 50 requests
        AtomicInteger admitted = new AtomicInteger();
        int threads = 16;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            RedisLedger l = t % 2 == 0 ? a : b;
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 40; i++) {
                        Ledger.Admission adm = l.reserve("load", cap, cost, 60_000, END);
                        if (adm instanceof Ledger.Admitted ok) {
                            admitted.incrementAndGet();
                            Thread.sleep(2); // a request in flight
                            l.charge("load", ok.reservation(), cost, END);
                        } else if (adm instanceof Ledger.Exhausted) {
                            return;
                        } else {
                            Thread.sleep(1);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        long spent = Long.parseLong((String) redis.command("GET", RedisLedger.spentKey("load")));
        assertTrue(spent >= cap, "the cap was reached: " + spent);
        assertTrue(spent <= cap + 2 * cost, "at most one request per instance beyond the cap: " + spent);
        assertEquals(spent / cost, admitted.get());
        assertEquals(0L, redis.command("ZCARD", RedisLedger.reservationsKey("load")), "every reservation freed");
    }

    @Test
    void anUnknownCostLetsOneRequestPerInstanceRun() {
        RedisLedger a = ledger(true);
        RedisLedger b = ledger(true);
        Ledger.Admitted first = assertInstanceOf(Ledger.Admitted.class, a.reserve("u", 100, 0, 60_000, END));
        assertInstanceOf(Ledger.Held.class, a.reserve("u", 100, 0, 60_000, END));
        Ledger.Admitted other = assertInstanceOf(Ledger.Admitted.class, b.reserve("u", 100, 0, 60_000, END));
        assertEquals(40, a.charge("u", first.reservation(), 40, END));
        assertEquals(80, b.charge("u", other.reservation(), 40, END));
        assertInstanceOf(Ledger.Admitted.class, a.reserve("u", 100, 0, 60_000, END));
    }

    @Test
    void anOutageFailsOpenToLocalCountersOrClosed() {
        RedisLedger open = ledger(true);
        RedisLedger closed = ledger(false);
        open.charge("o", null, 10, END);
        closed.charge("o", null, 30, END); // the shared total is 40; "open" last saw 10
        assertInstanceOf(Ledger.Admitted.class, open.reserve("o", 100, 5, 60_000, END)); // and now sees 40
        redis.kill();
        assertInstanceOf(Ledger.Unavailable.class, closed.reserve("o", 100, 5, 60_000, END));
        Ledger.Admitted local = assertInstanceOf(Ledger.Admitted.class, open.reserve("o", 100, 5, 60_000, END));
        assertEquals(240, open.charge("o", local.reservation(), 200, END),
                "counted locally, from the last shared total this instance saw");
        assertInstanceOf(Ledger.Exhausted.class, open.reserve("o", 100, 5, 60_000, END),
                "this instance stops its own spending");
        assertTrue(open.errors() >= 2);
        assertTrue(!open.health().status().up());
    }

    @Test
    void anUnreachableRedisStopsTheStartNamingTheKey() {
        StartupException e = assertThrows(StartupException.class,
                () -> RedisLedger.connect(context(), "redis://127.0.0.1:1", true));
        assertEquals("plugins.budgets.redis.url", e.key());
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        assertThrows(StartupException.class, () -> RedisLedger.connect(context(), "nonsense://", true));
        e = assertThrows(StartupException.class,
                () -> RedisLedger.connect(new TestPluginContext(), redis.url(), true));
        assertEquals("plugins.budgets.redis.url", e.key());
        assertTrue(e.getMessage().contains("redis plugin"), e.getMessage());
    }
}
