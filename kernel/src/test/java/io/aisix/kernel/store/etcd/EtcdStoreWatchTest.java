package io.aisix.kernel.store.etcd;

import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watch against a real etcd that stays up. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdStoreWatchTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static String freshPrefix() {
        return "/watch" + PREFIXES.incrementAndGet();
    }

    @Test
    void syncThenRawPutsAndDeletesInOrder() {
        String p = freshPrefix();
        etcd.put(p + "/models/m1", "{\"display_name\":\"one\"}");
        etcd.put(p + "/api_keys/k1", "{\"key_hash\":\"ab\"}");
        etcd.put(p + "/models/not/valid", "{}");
        long before = etcd.revision();
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.create(etcd.config(p))) {
            store.watch(l);
            // watch() returns once the first sync was delivered
            List<RecordingListener.Call> first = l.calls();
            assertEquals(2, first.size(), l.describe());
            RecordingListener.Sync sync = assertInstanceOf(RecordingListener.Sync.class, first.get(0));
            assertEquals(before, sync.revision());
            assertEquals(Map.of("models/m1", "{\"display_name\":\"one\"}", "api_keys/k1", "{\"key_hash\":\"ab\"}"), l.content());
            assertEquals(new RecordingListener.Connection(true), first.get(1));
            assertTrue(store.connected());

            long r1 = etcd.put(p + "/models/m2", "{\"display_name\":\"two\"}");
            etcd.put(p + "/models/a/b/c", "{}");           // ignored: not <kind>/<id>
            etcd.put(p + "x/models/m3", "{}");             // ignored: another prefix
            long r2 = etcd.put(p + "/guardrails/g1", "{not json");   // delivered raw
            long r3 = etcd.delete(p + "/models/m1");
            long r4 = etcd.put(p + "/models/m2", "{\"display_name\":\"two-b\"}");
            l.await("the delete and the rewrite", WAIT, x -> x.revision() >= r4);

            List<StoreChange> changes = l.changes();
            assertEquals(4, changes.size(), l.describe());
            StoreRow put1 = assertInstanceOf(StoreChange.Put.class, changes.get(0)).row();
            assertEquals(new Row("models", "m2", "{\"display_name\":\"two\"}", r1), Row.of(put1));
            StoreRow raw = assertInstanceOf(StoreChange.Put.class, changes.get(1)).row();
            assertEquals(new Row("guardrails", "g1", "{not json", r2), Row.of(raw));
            assertEquals(new StoreChange.Delete("models", "m1", r3), changes.get(2));
            StoreRow put2 = assertInstanceOf(StoreChange.Put.class, changes.get(3)).row();
            assertEquals(new Row("models", "m2", "{\"display_name\":\"two-b\"}", r4), Row.of(put2));
            assertEquals(r4, l.batches().get(l.batches().size() - 1).revision());
            assertNull(l.overlap());
        }
    }

    @Test
    void storeWritesReachTheListener() {
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            store.watch(l);
            StoreRow a = store.put("models", "a", "{\"x\":1}".getBytes(StandardCharsets.UTF_8), ConfigStore.ABSENT);
            byte[] binary = {1, 2, (byte) 0xfe};
            StoreRow b = store.put("models", "b", binary, ConfigStore.ANY);
            assertTrue(store.delete("models", "a", a.revision()));
            l.await("three changes", WAIT, x -> x.changes().size() >= 3);
            List<StoreChange> changes = l.changes();
            assertEquals(a.revision(), changes.get(0).revision());
            assertArrayEquals(binary, ((StoreChange.Put) changes.get(1)).row().value());
            assertEquals(b.revision(), changes.get(1).revision());
            assertEquals("a", assertInstanceOf(StoreChange.Delete.class, changes.get(2)).id());
            assertEquals(List.of("models/b"), List.copyOf(l.content().keySet()));
        }
    }

    @Test
    void watchTwiceIsAnError() {
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            store.watch(new RecordingListener());
            assertThrows(IllegalStateException.class, () -> store.watch(new RecordingListener()));
        }
    }

    @Test
    void closeStopsDeliveries() {
        String p = freshPrefix();
        RecordingListener l = new RecordingListener();
        EtcdStore store = EtcdStore.create(etcd.config(p));
        store.watch(l);
        long t0 = System.nanoTime();
        store.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closeMs < 5000, "close took " + closeMs + " ms");
        assertFalse(store.connected());
        int seen = l.size();
        long rev = etcd.put(p + "/models/late", "{}");
        // a later write on another store's watch proves the event went out; ours must stay silent
        RecordingListener other = new RecordingListener();
        try (EtcdStore probe = EtcdStore.create(etcd.config(p))) {
            probe.watch(other);
            etcd.put(p + "/models/later", "{}");
            other.await("the later write", WAIT, x -> x.revision() > rev);
        }
        assertEquals(seen, l.size(), l.describe());
        assertThrows(io.aisix.kernel.store.StoreUnavailableException.class, () -> store.get("models", "late"));
    }

    @Test
    void listenerFailuresDoNotStopTheWatch() {
        String p = freshPrefix();
        RecordingListener l = new RecordingListener();
        AtomicInteger puts = new AtomicInteger();
        try (EtcdStore store = EtcdStore.create(etcd.config(p))) {
            store.watch(new io.aisix.kernel.store.StoreListener() {
                @Override
                public void onSync(List<StoreRow> rows, long revision) {
                    l.onSync(rows, revision);
                }

                @Override
                public void onChanges(List<StoreChange> changes, long revision) {
                    l.onChanges(changes, revision);
                    if (puts.incrementAndGet() == 1) {
                        throw new IllegalStateException("listener bug");
                    }
                }

                @Override
                public void onConnectionChange(boolean connected) {
                    l.onConnectionChange(connected);
                }
            });
            etcd.put(p + "/models/a", "{}");
            long r = etcd.put(p + "/models/b", "{}");
            l.await("both puts", WAIT, x -> x.revision() >= r);
            assertEquals(List.of(true), l.connectionChanges());
            assertEquals(1, l.syncs().size());
        }
    }

    @Test
    void aTransactionIsOneBatchAndRevisionsQueuedMeanwhileAreTheNext() throws Exception {
        String p = freshPrefix();
        etcd.put(p + "/models/old", "{}");
        RecordingListener l = new RecordingListener();
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong seen = new AtomicLong();
        try (EtcdStore store = EtcdStore.create(etcd.config(p))) {
            store.watch(new StoreListener() {
                @Override
                public void onSync(List<StoreRow> rows, long revision) {
                    l.onSync(rows, revision);
                }

                @Override
                public void onChanges(List<StoreChange> changes, long revision) {
                    l.onChanges(changes, revision);
                    if (inFirst.getCount() > 0) {
                        inFirst.countDown();
                        try { // busy with the transaction while more revisions arrive
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }

                @Override
                public void onRevisionSeen(long revision) {
                    seen.accumulateAndGet(revision, Math::max);
                }

                @Override
                public void onConnectionChange(boolean connected) {
                    l.onConnectionChange(connected);
                }
            });
            Map<String, String> rows = new LinkedHashMap<>();
            for (int i = 0; i < 500; i++) {
                rows.put(p + "/models/t" + i, "{\"n\":" + i + "}");
            }
            long txn = etcd.txn(rows, List.of(p + "/models/old"));
            assertTrue(inFirst.await(20, TimeUnit.SECONDS));
            etcd.put(p + "/models/a", "{}");
            etcd.put(p + "/api_keys/b", "{}");
            long last = etcd.delete(p + "/models/a");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen.get() < last && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(last, seen.get(), "the store saw every revision while the listener was busy");
            release.countDown();
            l.await("the burst", WAIT, x -> x.revision() >= last);

            List<RecordingListener.Batch> batches = l.batches();
            assertEquals(2, batches.size(), l.describe());
            RecordingListener.Batch first = batches.get(0);
            assertEquals(txn, first.revision());
            assertEquals(501, first.changes().size());
            assertTrue(first.changes().stream().allMatch(c -> c.revision() == txn));
            assertEquals(new StoreChange.Delete("models", "old", txn), first.changes().get(500));
            RecordingListener.Batch second = batches.get(1);
            assertEquals(last, second.revision());
            assertEquals(List.of("models/a", "api_keys/b", "models/a"),
                    second.changes().stream().map(c -> c.kind() + "/" + c.id()).toList());
            assertEquals(501, l.content().size());
            assertNull(l.overlap());
        }
    }

    /** Not asserted: how long a put takes to reach the listener, printed for the record. */
    @Test
    void putToListenerLatency() {
        RecordingListener l = new RecordingListener();
        int n = 200;
        List<Long> micros = new ArrayList<>();
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            store.watch(l);
            byte[] value = "{\"display_name\":\"m\",\"provider\":\"openai\",\"model_name\":\"gpt-4o-mini\"}"
                    .getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < n + 20; i++) {
                long t0 = System.nanoTime();
                StoreRow row = store.put("models", "m" + (i % 10), value, ConfigStore.ANY);
                l.await("put " + i, WAIT, x -> x.revision() >= row.revision());
                long t1 = System.nanoTime();
                RecordingListener.Batch delivered = (RecordingListener.Batch) l.calls().get(l.size() - 1);
                if (i >= 20) { // warm-up excluded
                    micros.add((delivered.atNanos() - t0) / 1000);
                }
                assertTrue(t1 >= delivered.atNanos());
            }
        }
        Collections.sort(micros);
        long p50 = micros.get(micros.size() / 2);
        long p99 = micros.get((int) Math.ceil(micros.size() * 0.99) - 1);
        long max = micros.get(micros.size() - 1);
        System.out.printf("etcd put -> listener latency over %d puts (store.put call start to onChanges): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                micros.size(), p50 / 1000.0, p99 / 1000.0, max / 1000.0);
    }

    record Row(String kind, String id, String value, long revision) {
        static Row of(StoreRow r) {
            return new Row(r.kind(), r.id(), r.valueText(), r.revision());
        }
    }
}
