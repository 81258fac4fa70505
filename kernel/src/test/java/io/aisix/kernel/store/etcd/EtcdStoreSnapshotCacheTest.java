package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.testsupport.LocalProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code etcd.snapshot_cache_file}: written after changes, served when etcd is down at startup. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdStoreSnapshotCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String P = "/aisix";

    @TempDir
    Path tmp;

    static GatewayConfig.Etcd withCache(GatewayConfig.Etcd c, Path cache) {
        return new GatewayConfig.Etcd(c.endpoints(), c.prefix(), c.user(), c.passwordEnv(), c.tls(), cache.toString(),
                c.dialTimeoutMs());
    }

    @Test
    void theCacheServesAStartWithEtcdDownThenEtcdTakesOver() throws Exception {
        Path cache = tmp.resolve("state/etcd-cache.json"); // the folder does not exist yet
        try (EtcdServer etcd = EtcdServer.start()) {
            GatewayConfig.Etcd cfg = withCache(etcd.config(P), cache);
            RecordingListener first = new RecordingListener();
            long last;
            try (EtcdStore store = EtcdStore.builder(cfg).cacheDebounce(Duration.ofMillis(50), Duration.ofMillis(500)).build()) {
                store.watch(first);
                etcd.put(P + "/models/m1", "{\"v\":1}");
                store.put("models", "m2", "{\"v\":2}".getBytes(StandardCharsets.UTF_8), ConfigStore.ABSENT);
                last = etcd.put(P + "/guardrails/g1", "{broken");
                first.await("the writes", WAIT, x -> x.revision() >= last);
                awaitCache(cache, c -> c.revision() >= last);
            }
            assertEquals(Map.of("models/m1", "{\"v\":1}", "models/m2", "{\"v\":2}", "guardrails/g1", "{broken"),
                    content(new SnapshotCacheFile(cache).read().rows()));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
            try (var files = Files.list(cache.getParent())) {
                assertEquals(List.of(cache.getFileName().toString()), files.map(f -> f.getFileName().toString()).toList());
            }

            etcd.kill();
            TestPause pause = new TestPause(20).hold();
            RecordingListener second = new RecordingListener();
            try (EtcdStore store = EtcdStore.builder(cfg).requestTimeout(Duration.ofSeconds(2)).pause(pause).build()) {
                store.watch(second);
                List<RecordingListener.Call> calls = second.calls();
                assertEquals(2, calls.size(), second.describe());
                assertEquals(new RecordingListener.Connection(false), calls.get(0));
                RecordingListener.Sync cached = assertInstanceOf(RecordingListener.Sync.class, calls.get(1));
                assertEquals(last, cached.revision());
                assertEquals(first.content(), second.content());
                assertEquals(first.row("models", "m1").revision(), second.row("models", "m1").revision());
                assertFalse(store.connected());

                etcd.restart();
                etcd.put(P + "/models/m1", "{\"v\":10}");
                etcd.delete(P + "/models/m2");
                pause.open();
                second.await("etcd's content", WAIT, x -> x.connectionChanges().equals(List.of(false, true)));
                Map<String, String> live = EtcdStoreOutageTest.etcdContent(etcd);
                assertEquals(live, second.content());
                awaitCache(cache, c -> content(c.rows()).equals(live));
            }
        }
    }

    @Test
    void aBrokenOrForeignCacheIsIgnored() throws Exception {
        GatewayConfig.Etcd cfg = withCache(downEtcd(), tmp.resolve("cache.json"));
        Files.writeString(tmp.resolve("cache.json"), "{\"version\":1,\"revision\":");
        assertOnlyDisconnected(cfg);

        new SnapshotCacheFile(tmp.resolve("cache.json")).write("/other/", 7,
                List.of(new StoreRow("models", "m", "{}".getBytes(StandardCharsets.UTF_8), 7)));
        assertOnlyDisconnected(cfg);

        new SnapshotCacheFile(tmp.resolve("cache.json")).write(P + "/", 7,
                List.of(new StoreRow("models", "m", "{}".getBytes(StandardCharsets.UTF_8), 7)));
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.builder(cfg).pause(new TestPause(20).hold()).build()) {
            store.watch(l);
            assertEquals(List.of(false), l.connectionChanges());
            assertEquals(7, l.syncs().get(0).revision());
            assertEquals(Map.of("models/m", "{}"), l.content());
        }
    }

    @Test
    void anUnwritableCacheDoesNotStopTheWatch() throws Exception {
        Path blocker = Files.writeString(tmp.resolve("not-a-folder"), "x");
        try (EtcdServer etcd = EtcdServer.start()) {
            GatewayConfig.Etcd cfg = withCache(etcd.config(P), blocker.resolve("cache.json"));
            RecordingListener l = new RecordingListener();
            try (EtcdStore store = EtcdStore.builder(cfg).cacheDebounce(Duration.ofMillis(10), Duration.ofMillis(50)).build()) {
                store.watch(l);
                long r1 = etcd.put(P + "/models/a", "{}");
                l.await("a", WAIT, x -> x.revision() >= r1);
                Thread.sleep(100); // a failed cache write happens meanwhile
                long r2 = etcd.put(P + "/models/b", "{}");
                l.await("b", WAIT, x -> x.revision() >= r2);
                assertTrue(store.connected());
            }
        }
    }

    private void assertOnlyDisconnected(GatewayConfig.Etcd cfg) {
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.builder(cfg).pause(new TestPause(20).hold()).build()) {
            store.watch(l);
            assertEquals(List.of(new RecordingListener.Connection(false)), l.calls());
        }
    }

    /** Settings for an etcd nobody listens to. */
    private static GatewayConfig.Etcd downEtcd() {
        int port = LocalProcesses.freePort(); // nothing listens there
        return new GatewayConfig.Etcd(List.of("http://127.0.0.1:" + port), P, null, null, null, null, 500);
    }

    private static Map<String, String> content(List<StoreRow> rows) {
        Map<String, String> out = new LinkedHashMap<>();
        rows.forEach(r -> out.put(r.kind() + "/" + r.id(), r.valueText()));
        return out;
    }

    private static void awaitCache(Path file, Predicate<SnapshotCacheFile.Content> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        SnapshotCacheFile.Content c = null;
        while (System.nanoTime() < deadline) {
            c = new SnapshotCacheFile(file).read();
            if (c != null && condition.test(c)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("cache file never matched; last: " + (c == null ? null : content(c.rows()) + "@" + c.revision()));
    }
}
