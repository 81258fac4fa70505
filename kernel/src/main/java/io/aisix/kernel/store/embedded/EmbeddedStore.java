package io.aisix.kernel.store.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.kernel.store.StoreUnavailableException;
import io.aisix.support.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The default store for one machine: every resource in one JSON document,
 * {@code <data_dir>/store.json}, replaced atomically on each write (temp file, fsync, rename,
 * directory fsync), so a crash leaves either the old or the new content, never a torn file. The
 * directory is created {@code 0700} and the file {@code 0600} (see {@link PrivateFiles}).
 * A global revision counter increases with every write, like etcd's. Changes reach the listener
 * asynchronously, in order, from one thread, in batches as they would from an etcd watch: the
 * writes made while the listener was busy with the previous batch arrive together.
 *
 * <p>The data directory is locked so two gateways never write the same store.
 */
public final class EmbeddedStore implements ConfigStore {
    private static final Logger LOG = Logger.getLogger(EmbeddedStore.class.getName());
    private static final ObjectMapper JSON = Json.mapper();
    static final String FILE = "store.json";

    private final Path dir;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "embedded-store-notify");
        t.setDaemon(true);
        return t;
    });
    /** kind/id to row; guarded by this. */
    private final TreeMap<String, StoreRow> rows = new TreeMap<>();
    private long revision;
    private volatile StoreListener listener;
    /** Changes not yet handed to the listener; guarded by this. */
    private final List<StoreChange> pending = new ArrayList<>();
    private boolean drainScheduled; // guarded by this
    private final Instant openedAt = Instant.now();

    public EmbeddedStore(Path dataDir) {
        this.dir = dataDir.toAbsolutePath();
        this.file = dir.resolve(FILE);
        try {
            PrivateFiles.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException("store.data_dir", "cannot create " + dir + " (" + e.getMessage() + ")");
        }
        try {
            lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = tryLock(lockChannel);
        } catch (IOException e) {
            throw new ConfigException("store.data_dir", "cannot lock " + dir + " (" + e.getMessage() + ")");
        }
        if (lock == null) {
            try {
                lockChannel.close();
            } catch (IOException ignored) {
                // nothing was locked
            }
            throw new ConfigException("store.data_dir", dir + " is in use by another gateway process");
        }
        load();
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return null; // held by this very process (a second gateway in one JVM)
        }
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            revision = root.path("revision").asLong(0);
            for (JsonNode r : root.path("rows")) {
                String kind = r.path("kind").asText();
                String id = r.path("id").asText();
                byte[] value = JSON.writeValueAsBytes(r.path("value"));
                rows.put(key(kind, id), new StoreRow(kind, id, value, r.path("revision").asLong()));
            }
        } catch (IOException e) {
            throw new ConfigException("store.data_dir", "cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    private static String key(String kind, String id) {
        return kind + "/" + id;
    }

    @Override
    public String backend() {
        return "embedded";
    }

    @Override
    public synchronized List<StoreRow> list(String kind) {
        return List.copyOf(rows.subMap(kind + "/", kind + "0").values());
    }

    @Override
    public synchronized Optional<StoreRow> get(String kind, String id) {
        return Optional.ofNullable(rows.get(key(kind, id)));
    }

    @Override
    public synchronized StoreRow put(String kind, String id, byte[] value, long expectedRevision) {
        String k = key(kind, id);
        check(k, expectedRevision);
        StoreRow previous = rows.get(k);
        StoreRow row = new StoreRow(kind, id, value.clone(), revision + 1);
        rows.put(k, row);
        try {
            persist(revision + 1);
        } catch (IOException e) {
            if (previous == null) {
                rows.remove(k);
            } else {
                rows.put(k, previous);
            }
            throw new StoreUnavailableException("cannot write " + file + ": " + e.getMessage(), e);
        }
        revision++;
        enqueue(new StoreChange.Put(row));
        return row;
    }

    @Override
    public synchronized boolean delete(String kind, String id, long expectedRevision) {
        String k = key(kind, id);
        StoreRow previous = rows.get(k);
        if (previous == null) {
            if (expectedRevision > 0) {
                throw new RevisionConflictException(k, 0);
            }
            return false;
        }
        check(k, expectedRevision);
        rows.remove(k);
        try {
            persist(revision + 1);
        } catch (IOException e) {
            rows.put(k, previous);
            throw new StoreUnavailableException("cannot write " + file + ": " + e.getMessage(), e);
        }
        long rev = ++revision;
        enqueue(new StoreChange.Delete(kind, id, rev));
        return true;
    }

    /** Queues a change for the listener (caller holds this); one drain task delivers what piled up. */
    private void enqueue(StoreChange change) {
        StoreListener l = listener;
        if (l == null) {
            return; // no watch yet: the first sync will carry it
        }
        l.onRevisionSeen(change.revision());
        pending.add(change);
        if (!drainScheduled) {
            drainScheduled = true;
            notifier.execute(() -> drain(l));
        }
    }

    private void drain(StoreListener l) {
        List<StoreChange> batch;
        synchronized (this) {
            batch = List.copyOf(pending);
            pending.clear();
            drainScheduled = false;
        }
        try {
            l.onChanges(batch, batch.get(batch.size() - 1).revision());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "store listener failed on a batch of " + batch.size() + " changes", e);
        }
    }

    private void check(String k, long expectedRevision) {
        if (expectedRevision == ANY) {
            return;
        }
        StoreRow current = rows.get(k);
        long actual = current == null ? 0 : current.revision();
        if (actual != expectedRevision) {
            throw new RevisionConflictException(k, actual);
        }
    }

    private void persist(long newRevision) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("revision", newRevision);
        ArrayNode list = root.putArray("rows");
        for (Map.Entry<String, StoreRow> e : rows.entrySet()) {
            StoreRow r = e.getValue();
            ObjectNode n = list.addObject();
            n.put("kind", r.kind());
            n.put("id", r.id());
            n.put("revision", r.revision());
            JsonNode value;
            try {
                value = JSON.readTree(r.value());
            } catch (IOException notJson) {
                value = JSON.getNodeFactory().textNode(new String(r.value(), StandardCharsets.UTF_8));
            }
            n.set("value", value);
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp); // left by a crash, perhaps with other permissions
        PrivateFiles.createFile(tmp); // the rename keeps its 0600: the rows hold provider keys
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root)));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a directory; the rename is still atomic there
        }
    }

    @Override
    public void watch(StoreListener l) {
        java.util.concurrent.Future<?> first;
        synchronized (this) {
            this.listener = l;
            List<StoreRow> all = new ArrayList<>(rows.values());
            long rev = revision;
            // queued under the lock, so every later write's batch comes after this sync
            first = notifier.submit(() -> {
                l.onConnectionChange(true);
                l.onSync(all, rev);
            });
        }
        try {
            first.get();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "initial sync failed", e);
        }
    }

    @Override
    public StoreStatus status() {
        return new StoreStatus(StoreStatus.State.CONNECTED, file.toString(), "", openedAt);
    }

    /** The current store revision. */
    public synchronized long revision() {
        return revision;
    }

    @Override
    public void close() {
        notifier.shutdown();
        try {
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }
}
