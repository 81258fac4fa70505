package io.aisix.kernel.store.etcd;

import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreRow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads and (conditional) writes against a real etcd. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdStoreCrudTest {
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
        return "/crud" + PREFIXES.incrementAndGet();
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void roundTripWithRevisionsAndConflicts() {
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            assertEquals("etcd", store.backend());
            assertEquals(Optional.empty(), store.get("models", "m1"));

            StoreRow created = store.put("models", "m1", json("{\"display_name\":\"a\"}"), ConfigStore.ABSENT);
            assertTrue(created.revision() > 0);
            StoreRow read = store.get("models", "m1").orElseThrow();
            assertEquals(created.revision(), read.revision());
            assertEquals("{\"display_name\":\"a\"}", read.valueText());

            // create-only on an existing row
            RevisionConflictException dup = assertThrows(RevisionConflictException.class,
                    () -> store.put("models", "m1", json("{}"), ConfigStore.ABSENT));
            assertEquals(created.revision(), dup.actualRevision());

            // replace exactly that version
            StoreRow replaced = store.put("models", "m1", json("{\"display_name\":\"b\"}"), created.revision());
            assertTrue(replaced.revision() > created.revision());

            // lost update
            RevisionConflictException lost = assertThrows(RevisionConflictException.class,
                    () -> store.put("models", "m1", json("{\"display_name\":\"c\"}"), created.revision()));
            assertEquals(replaced.revision(), lost.actualRevision());
            assertEquals("{\"display_name\":\"b\"}", store.get("models", "m1").orElseThrow().valueText());

            // unconditional
            StoreRow any = store.put("models", "m1", json("{\"display_name\":\"d\"}"), ConfigStore.ANY);
            assertTrue(any.revision() > replaced.revision());

            // a revision on a missing row
            RevisionConflictException missing = assertThrows(RevisionConflictException.class,
                    () -> store.put("models", "nope", json("{}"), 5));
            assertEquals(0, missing.actualRevision());
            assertEquals(Optional.empty(), store.get("models", "nope"));

            // deletes
            RevisionConflictException staleDelete = assertThrows(RevisionConflictException.class,
                    () -> store.delete("models", "m1", replaced.revision()));
            assertEquals(any.revision(), staleDelete.actualRevision());
            assertTrue(store.get("models", "m1").isPresent());
            assertTrue(store.delete("models", "m1", any.revision()));
            assertEquals(Optional.empty(), store.get("models", "m1"));
            assertFalse(store.delete("models", "m1", ConfigStore.ANY));
            assertFalse(store.delete("models", "m1", ConfigStore.ABSENT));
            assertEquals(0, assertThrows(RevisionConflictException.class,
                    () -> store.delete("models", "m1", any.revision())).actualRevision());

            StoreRow again = store.put("models", "m1", json("{}"), ConfigStore.ABSENT);
            assertTrue(store.delete("models", "m1", ConfigStore.ANY));
            assertTrue(again.revision() > any.revision());
            assertTrue(store.connected());
        }
    }

    @Test
    void listIsPerKindInIdOrder() {
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            for (String id : List.of("c", "a", "B", "b-2", "a.1")) {
                store.put("models", id, json("{\"id\":\"" + id + "\"}"), ConfigStore.ABSENT);
            }
            store.put("api_keys", "k1", json("{}"), ConfigStore.ABSENT);
            assertEquals(List.of("B", "a", "a.1", "b-2", "c"), store.list("models").stream().map(StoreRow::id).toList());
            assertEquals(List.of("k1"), store.list("api_keys").stream().map(StoreRow::id).toList());
            assertEquals(List.of(), store.list("guardrails"));
            StoreRow c = store.list("models").get(4);
            assertEquals("{\"id\":\"c\"}", c.valueText());
            assertEquals(store.get("models", "c").orElseThrow().revision(), c.revision());
        }
    }

    @Test
    void listReadsManyPages() {
        String prefix = freshPrefix();
        try (EtcdStore store = EtcdStore.create(etcd.config(prefix))) {
            for (int i = 0; i < 1234; i++) {
                etcd.put(prefix + "/api_keys/" + String.format("k%05d", i), "{\"n\":" + i + "}");
            }
            List<StoreRow> rows = store.list("api_keys");
            assertEquals(1234, rows.size());
            assertEquals("k00000", rows.get(0).id());
            assertEquals("k01233", rows.get(1233).id());
            assertEquals("{\"n\":1233}", rows.get(1233).valueText());
        }
    }

    @Test
    void rowsWrittenByOtherToolsReadTheSame() {
        String prefix = freshPrefix();
        long rev = etcd.put(prefix + "/provider_keys/6f1c-openai", "{\"display_name\":\"openai-main\",\"api_key\":\"sk-x\"}");
        try (EtcdStore store = EtcdStore.create(etcd.config(prefix + "/"))) { // a trailing slash changes nothing
            StoreRow row = store.get("provider_keys", "6f1c-openai").orElseThrow();
            assertEquals(rev, row.revision());
            assertEquals("{\"display_name\":\"openai-main\",\"api_key\":\"sk-x\"}", row.valueText());
            // and what the store writes is bare JSON under <prefix>/<kind>/<id>, as etcdctl would see it
            store.put("models", "m9", json("{\"display_name\":\"x\"}"), ConfigStore.ANY);
            assertEquals("{\"display_name\":\"x\"}", get(prefix + "/models/m9"));
        }
    }

    @Test
    void keysOutsideTheLayoutAreIgnored() {
        String prefix = freshPrefix();
        etcd.put(prefix + "/models/ok", "{}");
        etcd.put(prefix + "/models/a/b", "{}");
        etcd.put(prefix + "/models/bad id", "{}");
        etcd.put(prefix + "/models/" + "x".repeat(129), "{}");
        etcd.put(prefix + "/models", "{}");
        etcd.put(prefix + "models/y", "{}"); // only a byte prefix match
        try (EtcdStore store = EtcdStore.create(etcd.config(prefix))) {
            assertEquals(List.of("ok"), store.list("models").stream().map(StoreRow::id).toList());
            assertEquals(Optional.empty(), store.get("models", "bad id"));
        }
    }

    @Test
    void valuesAreBytesAsStored() {
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            byte[] notJson = {'{', 'x', (byte) 0xff, 0};
            store.put("models", "raw", notJson, ConfigStore.ANY);
            assertArrayEquals(notJson, store.get("models", "raw").orElseThrow().value());
        }
    }

    @Test
    void invalidArgumentsAreRejectedBeforeEtcd() {
        try (EtcdStore store = EtcdStore.create(etcd.config(freshPrefix()))) {
            assertThrows(IllegalArgumentException.class, () -> store.put("models", "a/b", json("{}"), ConfigStore.ANY));
            assertThrows(IllegalArgumentException.class, () -> store.put("models", "", json("{}"), ConfigStore.ANY));
            assertThrows(IllegalArgumentException.class, () -> store.put("../x", "a", json("{}"), ConfigStore.ANY));
            assertThrows(IllegalArgumentException.class, () -> store.put("models", "a", json("{}"), -2));
            assertThrows(IllegalArgumentException.class, () -> store.list("a/b"));
        }
    }

    private static String get(String key) {
        try {
            var kvs = etcd.client().getKVClient().get(io.etcd.jetcd.ByteSequence.from(key, StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
