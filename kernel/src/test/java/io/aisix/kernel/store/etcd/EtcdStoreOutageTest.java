package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.LastKnownRows;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.kernel.store.StoreUnavailableException;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd going away and coming back, compactions, backoff. Each test has its own etcd. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdStoreOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String P = "/aisix";

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void killedEtcdIsReportedWritesFailFastAndARestartResyncs() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            TestPause pause = new TestPause(20);
            RecordingListener l = new RecordingListener();
            etcd.put(P + "/models/m1", "{\"v\":1}");
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).requestTimeout(Duration.ofSeconds(2))
                    .pause(pause).build()) {
                store.watch(l);
                assertEquals(Map.of("models/m1", "{\"v\":1}"), l.content());
                assertEquals(StoreStatus.State.CONNECTED, store.status().state());
                assertTrue(store.status().endpoint().contains(":" + etcd.clientPort()), store.status().endpoint());
                assertTrue(store.lastKnown().isEmpty(), "no stale rows while connected");

                pause.hold();
                Instant killedAt = Instant.now();
                etcd.kill();
                l.await("the disconnect", WAIT, x -> x.connectionChanges().equals(List.of(true, false)));
                assertFalse(store.connected());
                StoreStatus down = store.status();
                assertEquals(StoreStatus.State.DISCONNECTED, down.state());
                assertFalse(down.error().isEmpty());
                assertFalse(down.since().isBefore(killedAt.minusSeconds(1)), down.since() + " vs " + killedAt);
                LastKnownRows known = store.lastKnown().orElseThrow();
                assertEquals(l.revision(), known.revision());
                assertEquals(List.of("m1"), known.list("models").stream().map(StoreRow::id).toList());
                assertEquals("{\"v\":1}", known.get("models", "m1").orElseThrow().valueText());
                assertTrue(known.list("api_keys").isEmpty());
                // the listener keeps its last state: no sync replaced it
                assertEquals(1, l.syncs().size());

                long t0 = System.nanoTime();
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                        () -> store.put("models", "m2", json("{}"), ConfigStore.ABSENT));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("put with etcd down failed after " + ms + " ms: " + e.getMessage());
                assertTrue(ms < 10_000, "put took " + ms + " ms");
                assertThrows(StoreUnavailableException.class, () -> store.list("models"));
                assertThrows(StoreUnavailableException.class, () -> store.get("models", "m1"));

                etcd.restart();
                long changed = etcd.put(P + "/models/m1", "{\"v\":2}");
                etcd.put(P + "/models/m3", "{\"v\":3}");
                pause.open();
                l.await("the resync", WAIT, x -> x.connectionChanges().equals(List.of(true, false, true)));
                RecordingListener.Sync resync = l.syncs().get(l.syncs().size() - 1);
                assertTrue(resync.revision() > changed);
                assertEquals(Map.of("models/m1", "{\"v\":2}", "models/m3", "{\"v\":3}"), l.content());
                assertTrue(store.connected());
                assertTrue(store.lastKnown().isEmpty());
                assertBetween(50, 100, pause.delays().get(0));

                // the new watch delivers changes again, and writes work
                long r = store.put("models", "m4", json("{\"v\":4}"), ConfigStore.ABSENT).revision();
                l.await("a put after the reconnect", WAIT, x -> x.revision() >= r);
                assertEquals("{\"v\":4}", l.row("models", "m4").valueText());

                // a later outage starts the backoff again at 100 ms
                int before = pause.delays().size();
                pause.hold();
                etcd.kill();
                pause.awaitDelays(before + 1, WAIT.toMillis());
                assertBetween(50, 100, pause.delays().get(before));
                assertNull(l.overlap());
            }
        }
    }

    @Test
    void aWriteAcknowledgedAfterEtcdReturnsIsDeliveredWithinASecond() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            RecordingListener l = new RecordingListener();
            // the real backoff and pause: this is what an operator gets
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).requestTimeout(Duration.ofSeconds(2)).build()) {
                store.watch(l);
                etcd.kill();
                l.await("the disconnect", WAIT, x -> x.connectionChanges().equals(List.of(true, false)));
                Thread.sleep(3000); // the old 1 s doubling schedule would now wait 4 s before its next try
                etcd.restart();
                long revision = etcd.put(P + "/models/back", "{}");
                long acked = System.nanoTime();
                l.await("the write made after the restart", WAIT, x -> x.revision() >= revision);
                long ms = (System.nanoTime() - acked) / 1_000_000;
                System.out.println("etcd restarted: an acknowledged write reached the listener " + ms + " ms later");
                assertTrue(ms < 1000, "took " + ms + " ms");
                assertTrue(store.connected());
            }
        }
    }

    @Test
    void aCallThatReachesEtcdWakesAHeldReconnect() {
        try (EtcdServer etcd = EtcdServer.start()) {
            TestPause pause = new TestPause(20);
            RecordingListener l = new RecordingListener();
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).requestTimeout(Duration.ofSeconds(2))
                    .pause(pause).build()) {
                store.watch(l);
                pause.hold(); // only a wake-up can end this pause
                etcd.kill();
                l.await("the disconnect", WAIT, x -> x.connectionChanges().equals(List.of(true, false)));
                etcd.restart();
                long revision = store.put("models", "through-the-admin-api", json("{}"), ConfigStore.ANY).revision();
                l.await("the resync the write woke", WAIT, x -> x.revision() >= revision
                        && x.connectionChanges().equals(List.of(true, false, true)));
                assertEquals("{}", l.row("models", "through-the-admin-api").valueText());
                assertTrue(store.connected());
            }
        }
    }

    @Test
    void anErrorThatKillsTheWatchThreadLeavesTheStoreFailedForGood() {
        try (EtcdServer etcd = EtcdServer.start(); LogLines log = new LogLines(EtcdStore.class.getName())) {
            etcd.put(P + "/models/m1", "{}");
            RecordingListener l = new RecordingListener();
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).pause(new TestPause(20))
                    .beforeWatch(rev -> {
                        throw new NoClassDefFoundError("io/netty/handler/logging/ByteBufFormat");
                    }).build()) {
                store.watch(l);
                l.await("the disconnect", WAIT, x -> x.connectionChanges().equals(List.of(true, false)));
                StoreStatus failed = store.status();
                assertEquals(StoreStatus.State.FAILED, failed.state());
                assertTrue(failed.error().contains("ByteBufFormat"), failed.error());
                assertFalse(store.connected());
                assertTrue(log.contains("lib/"), "the log says what to check: " + log.lines());
                assertTrue(log.contains("restart"), log.lines().toString());

                // it never looks alive again: calls are refused, reads have the last known rows
                StoreUnavailableException refused = assertThrows(StoreUnavailableException.class,
                        () -> store.put("models", "m2", json("{}"), ConfigStore.ANY));
                assertTrue(refused.getMessage().contains("failed for good"), refused.getMessage());
                assertEquals(StoreStatus.State.FAILED, store.status().state());
                assertEquals(List.of("m1"), store.lastKnown().orElseThrow().list("models").stream()
                        .map(StoreRow::id).toList());
                assertEquals(1, l.syncs().size());
            }
        }
    }

    @Test
    void compactionWhileDisconnectedEndsInAFullResyncThatMatchesEtcd() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            TestPause pause = new TestPause(20);
            RecordingListener l = new RecordingListener();
            for (int i = 1; i <= 5; i++) {
                etcd.put(P + "/models/m" + i, "{\"v\":" + i + "}");
            }
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).requestTimeout(Duration.ofSeconds(2))
                    .pause(pause).build()) {
                store.watch(l);
                long seen = etcd.put(P + "/models/m5", "{\"v\":55}");
                l.await("m5 rewritten", WAIT, x -> x.revision() >= seen);

                pause.hold();
                etcd.kill();
                l.await("the disconnect", WAIT, x -> !store.connected() && x.connectionChanges().size() == 2);
                etcd.restart();
                etcd.delete(P + "/models/m1");
                etcd.put(P + "/models/m2", "{\"v\":22}");
                for (int i = 0; i < 20; i++) {
                    etcd.put(P + "/api_keys/k" + (i % 3), "{\"n\":" + i + "}");
                }
                etcd.delete(P + "/api_keys/k0");
                long compacted = etcd.revision();
                etcd.compact(compacted);
                pause.open();

                l.await("the resync", WAIT, x -> x.connectionChanges().size() == 3);
                assertTrue(l.syncs().get(l.syncs().size() - 1).revision() >= compacted);
                assertEquals(etcdContent(etcd), l.content());
                assertEquals(Map.of("models/m2", "{\"v\":22}", "models/m3", "{\"v\":3}", "models/m4", "{\"v\":4}",
                        "models/m5", "{\"v\":55}", "api_keys/k1", "{\"n\":19}", "api_keys/k2", "{\"n\":17}"), l.content());

                long r = etcd.put(P + "/models/m6", "{}");
                l.await("a put after the resync", WAIT, x -> x.revision() >= r);
                assertEquals(etcdContent(etcd), l.content());
            }
        }
    }

    @Test
    void aWatchStartingBelowTheCompactedRevisionResyncsWithoutADisconnect() {
        try (EtcdServer etcd = EtcdServer.start()) {
            RecordingListener l = new RecordingListener();
            AtomicInteger hook = new AtomicInteger();
            etcd.put(P + "/models/m1", "{}");
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).pause(new TestPause(20))
                    .beforeWatch(rev -> {
                        if (hook.incrementAndGet() == 1) { // between the first read and the watch
                            etcd.put(P + "/models/sneaky", "{\"v\":1}");
                            etcd.put(P + "/models/sneaky", "{\"v\":2}");
                            etcd.compact(etcd.revision());
                        }
                    }).build()) {
                store.watch(l);
                l.await("the second sync", WAIT, x -> x.syncs().size() == 2);
                assertEquals(List.of("models/m1"), l.syncs().get(0).rows().stream().map(r -> r.kind() + "/" + r.id()).toList());
                assertEquals(Map.of("models/m1", "{}", "models/sneaky", "{\"v\":2}"), l.content());
                assertEquals(List.of(true), l.connectionChanges());
                assertTrue(store.connected());

                long r = etcd.put(P + "/models/after", "{}");
                l.await("a put after the resync", WAIT, x -> x.revision() >= r);
                assertEquals(2, hook.get());
            }
        }
    }

    @Test
    void etcdDownAtStartupThenUp() {
        try (EtcdServer etcd = EtcdServer.start()) {
            etcd.put(P + "/models/m1", "{}");
            etcd.kill();
            RecordingListener l = new RecordingListener();
            try (EtcdStore store = EtcdStore.builder(etcd.config(P)).requestTimeout(Duration.ofSeconds(2))
                    .pause(new TestPause(50)).build()) {
                store.watch(l); // returns after the first failed attempt
                assertEquals(List.of(false), l.connectionChanges());
                assertEquals(0, l.syncs().size());
                assertFalse(store.connected());

                etcd.restart();
                l.await("the first sync", WAIT, x -> x.syncs().size() == 1 && x.connectionChanges().size() == 2);
                assertEquals(List.of(false, true), l.connectionChanges());
                assertEquals(Map.of("models/m1", "{}"), l.content());
            }
        }
    }

    @Test
    void backoffDoublesFrom100MsTo500MsWithJitterAndCloseIsPrompt() throws Exception {
        int port = LocalProcesses.freePort(); // nothing listens there
        GatewayConfig.Etcd cfg = new GatewayConfig.Etcd(List.of("http://127.0.0.1:" + port), P, null, null, null, null, 500);
        TestPause pause = new TestPause(1).holdAfter(9);
        RecordingListener l = new RecordingListener();
        EtcdStore store = EtcdStore.builder(cfg).pause(pause).build();
        long t0 = System.nanoTime();
        store.watch(l);
        long firstMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("first attempt against a closed port failed after " + firstMs + " ms");
        assertEquals(List.of(false), l.connectionChanges());
        assertFalse(store.connected());

        pause.awaitDelays(10, WAIT.toMillis());
        long[] base = {100, 200, 400, 500, 500, 500, 500, 500, 500, 500};
        for (int i = 0; i < base.length; i++) {
            assertBetween(base[i] / 2, base[i], pause.delays().get(i));
        }
        assertEquals(List.of(false), l.connectionChanges()); // reported once, not per attempt

        long c0 = System.nanoTime();
        store.close();
        long closeMs = (System.nanoTime() - c0) / 1_000_000;
        assertTrue(closeMs < 3000, "close took " + closeMs + " ms");
        assertThrows(StoreUnavailableException.class, () -> store.get("models", "x"));
    }

    @Test
    void defaultBackoffSchedule() {
        GatewayConfig.Etcd cfg = new GatewayConfig.Etcd(List.of("http://127.0.0.1:1"), P, null, null, null, null, null);
        try (EtcdStore store = EtcdStore.create(cfg)) {
            assertEquals(100, store.backoffMillis(1));
            assertEquals(200, store.backoffMillis(2));
            assertEquals(400, store.backoffMillis(3));
            assertEquals(500, store.backoffMillis(4));
            assertEquals(500, store.backoffMillis(1000));
        }
        for (int i = 0; i < 1000; i++) {
            assertBetween(250, 500, EtcdStore.jittered(500));
        }
        try (EtcdStore fast = EtcdStore.builder(cfg).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build()) {
            assertEquals(List.of(10L, 20L, 40L, 50L), List.of(fast.backoffMillis(1), fast.backoffMillis(2),
                    fast.backoffMillis(3), fast.backoffMillis(4)));
        }
    }

    /** Collects what one logger logs (System.Logger is backed by java.util.logging here). */
    static final class LogLines extends java.util.logging.Handler implements AutoCloseable {
        private final java.util.logging.Logger logger;
        private final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

        LogLines(String name) {
            logger = java.util.logging.Logger.getLogger(name);
            logger.addHandler(this);
        }

        List<String> lines() {
            return lines;
        }

        boolean contains(String text) {
            return lines.stream().anyMatch(x -> x.contains(text));
        }

        @Override
        public void publish(java.util.logging.LogRecord r) {
            lines.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    private static void assertBetween(long min, long max, long actual) {
        assertTrue(actual >= min && actual <= max, actual + " not in [" + min + ", " + max + "]");
    }

    /** kind/id -> value of everything etcd holds under the prefix, read directly. */
    static Map<String, String> etcdContent(EtcdServer etcd) throws Exception {
        String root = P + "/";
        List<KeyValue> kvs = etcd.client().getKVClient().get(ByteSequence.from(root, StandardCharsets.UTF_8),
                GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs();
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            out.put(kv.getKey().toString(StandardCharsets.UTF_8).substring(root.length()),
                    kv.getValue().toString(StandardCharsets.UTF_8));
        }
        return out;
    }
}
