package io.aisix.kernel.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.store.embedded.EmbeddedStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {
    @TempDir
    Path dir;

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void crudWithRevisions() {
        try (EmbeddedStore store = new EmbeddedStore(dir)) {
            StoreRow a = store.put("models", "a", json("{\"x\":1}"), ConfigStore.ABSENT);
            StoreRow b = store.put("models", "b", json("{\"x\":2}"), ConfigStore.ANY);
            assertEquals(1, a.revision());
            assertEquals(2, b.revision());
            assertEquals(List.of("a", "b"), store.list("models").stream().map(StoreRow::id).toList());
            assertTrue(store.list("api_keys").isEmpty());
            assertThrows(RevisionConflictException.class, () -> store.put("models", "a", json("{}"), ConfigStore.ABSENT));
            RevisionConflictException stale = assertThrows(RevisionConflictException.class,
                    () -> store.put("models", "a", json("{}"), 99));
            assertEquals(1, stale.actualRevision());
            StoreRow a2 = store.put("models", "a", json("{\"x\":3}"), 1);
            assertEquals(3, a2.revision());
            assertEquals("{\"x\":3}", store.get("models", "a").orElseThrow().valueText());
            assertThrows(RevisionConflictException.class, () -> store.delete("models", "a", 1));
            assertTrue(store.delete("models", "a", 3));
            assertFalse(store.delete("models", "a", ConfigStore.ANY));
            assertTrue(store.get("models", "a").isEmpty());
        }
    }

    @Test
    void folderAndFileAreOwnerOnlyFromTheStart() throws Exception {
        Path data = dir.resolve("var/data");
        try (EmbeddedStore store = new EmbeddedStore(data)) {
            assertEquals("rwx------", mode(dir.resolve("var")), "every folder the store creates");
            assertEquals("rwx------", mode(data));
            // a temp file a crash left behind, readable by others: never renamed into place as it is
            Files.writeString(data.resolve("store.json.tmp"), "{}");
            Files.setPosixFilePermissions(data.resolve("store.json.tmp"), PosixFilePermissions.fromString("rw-r--r--"));
            store.put("provider_keys", "k", json("{\"api_key\":\"sk-secret\"}"), ConfigStore.ANY);
            assertEquals("rw-------", mode(data.resolve("store.json")));
            assertFalse(Files.exists(data.resolve("store.json.tmp")));
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void survivesReopenWithRevisions() {
        try (EmbeddedStore store = new EmbeddedStore(dir)) {
            store.put("provider_keys", "k", json("{\"display_name\":\"k\"}"), ConfigStore.ANY);
            store.put("models", "m", json("{\"display_name\":\"m\"}"), ConfigStore.ANY);
            store.delete("models", "m", ConfigStore.ANY);
        }
        try (EmbeddedStore store = new EmbeddedStore(dir)) {
            assertEquals(3, store.revision());
            assertEquals(1, store.get("provider_keys", "k").orElseThrow().revision());
            assertTrue(store.get("models", "m").isEmpty());
            assertEquals(4, store.put("models", "n", json("{}"), ConfigStore.ANY).revision());
        }
        assertFalse(Files.exists(dir.resolve("store.json.tmp")), "temp file left behind");
    }

    @Test
    void secondProcessOnTheSameDirectoryIsRefused() {
        try (EmbeddedStore store = new EmbeddedStore(dir)) {
            ConfigException e = assertThrows(ConfigException.class, () -> new EmbeddedStore(dir));
            assertEquals("store.data_dir", e.key());
        }
    }

    @Test
    void corruptFileStopsStartupWithTheKey() throws Exception {
        Files.writeString(dir.resolve("store.json"), "{not json");
        ConfigException e = assertThrows(ConfigException.class, () -> new EmbeddedStore(dir));
        assertEquals("store.data_dir", e.key());
    }

    @Test
    void listenerGetsSyncThenChangesInOrder() throws Exception {
        try (EmbeddedStore store = new EmbeddedStore(dir)) {
            store.put("models", "a", json("{}"), ConfigStore.ANY);
            List<String> events = new CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            store.watch(new StoreListener() {
                @Override
                public void onSync(List<StoreRow> rows, long revision) {
                    events.add("sync:" + rows.size() + "@" + revision);
                }

                @Override
                public void onChanges(List<StoreChange> changes, long revision) {
                    for (StoreChange c : changes) {
                        events.add((c instanceof StoreChange.Put ? "put:" : "del:") + c.id() + "@" + c.revision());
                    }
                    if (revision == 3) {
                        done.countDown();
                    }
                }

                @Override
                public void onConnectionChange(boolean connected) {
                    events.add("connected:" + connected);
                }
            });
            store.put("models", "b", json("{}"), ConfigStore.ANY);
            store.delete("models", "a", ConfigStore.ANY);
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of("connected:true", "sync:1@1", "put:b@2", "del:a@3"), events);
        }
    }

    @Test
    void writesMadeWhileTheListenerIsBusyArriveAsOneBatch() throws Exception {
        try (EmbeddedStore store = new EmbeddedStore(dir)) {
            List<List<String>> batches = new CopyOnWriteArrayList<>();
            List<Long> seen = new CopyOnWriteArrayList<>();
            CountDownLatch inFirst = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            store.watch(new StoreListener() {
                @Override
                public void onSync(List<StoreRow> rows, long revision) {
                }

                @Override
                public void onChanges(List<StoreChange> changes, long revision) {
                    batches.add(changes.stream().map(c -> c.id() + "@" + c.revision()).toList());
                    if (inFirst.getCount() > 0) {
                        inFirst.countDown();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    if (revision == 4) {
                        done.countDown();
                    }
                }

                @Override
                public void onRevisionSeen(long revision) {
                    seen.add(revision);
                }

                @Override
                public void onConnectionChange(boolean connected) {
                }
            });
            store.put("models", "a", json("{}"), ConfigStore.ANY);
            assertTrue(inFirst.await(5, TimeUnit.SECONDS));
            store.put("models", "b", json("{}"), ConfigStore.ANY);
            store.put("models", "c", json("{}"), ConfigStore.ANY);
            store.delete("models", "b", ConfigStore.ANY);
            assertEquals(List.of(1L, 2L, 3L, 4L), seen, "seen as soon as written");
            release.countDown();
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of(List.of("a@1"), List.of("b@2", "c@3", "b@4")), batches);
        }
    }
}
