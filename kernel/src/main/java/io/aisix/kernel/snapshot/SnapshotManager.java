package io.aisix.kernel.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.Json;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the store's rows into the {@link GatewayState} that requests run against.
 *
 * <p>Every change decodes the affected row with its kind's validator; a row that fails is
 * skipped and reported, and the key's last good value keeps serving. The whole state (snapshot
 * plus compiled chains) is then rebuilt and published atomically. If compiling the chains fails,
 * the previous state keeps serving and the failure is reported: half a configuration is never
 * applied. Store callbacks arrive from one thread at a time; readers never lock.
 */
public final class SnapshotManager implements StoreListener {
    private static final Logger LOG = Logger.getLogger(SnapshotManager.class.getName());
    private static final ObjectMapper JSON = Json.mapper();

    private final Map<String, ResourceKind<?>> kinds;
    private final Function<Snapshot, GatewayState> compiler;
    private final Clock clock;
    private final AtomicReference<GatewayState> current = new AtomicReference<>();

    /** kind to id to last good value; confined to the store callback thread. */
    private final Map<String, TreeMap<String, Object>> good = new HashMap<>();
    private final Map<String, RejectedRow> rejected = new TreeMap<>();
    private final Map<String, List<String>> ignoredFields = new TreeMap<>();
    private volatile List<RejectedRow> rejectedView = List.of();
    private volatile Map<String, List<String>> ignoredView = Map.of();
    private volatile long revision;
    private volatile Instant lastApplied;
    private volatile boolean connected;
    private volatile String lastError = "";

    public SnapshotManager(List<ResourceKind<?>> kinds, Function<Snapshot, GatewayState> compiler, Clock clock) {
        Map<String, ResourceKind<?>> m = new LinkedHashMap<>();
        kinds.forEach(k -> m.put(k.name(), k));
        this.kinds = Collections.unmodifiableMap(m);
        this.compiler = compiler;
        this.clock = clock;
    }

    /** The state to run a request against, or null before the first apply. */
    public GatewayState current() {
        return current.get();
    }

    public boolean applied() {
        return current.get() != null;
    }

    public Map<String, ResourceKind<?>> kinds() {
        return kinds;
    }

    public long revision() {
        return revision;
    }

    /** When the store last delivered a change or a full load, or null when never. */
    public Instant lastApplied() {
        return lastApplied;
    }

    public boolean connected() {
        return connected;
    }

    public List<RejectedRow> rejected() {
        return rejectedView;
    }

    /** Fields this gateway ignores, per {@code kind/id}. */
    public Map<String, List<String>> ignoredFields() {
        return ignoredView;
    }

    /** The last chain compilation failure, empty when the current state is up to date. */
    public String lastError() {
        return lastError;
    }

    @Override
    public synchronized void onSync(List<StoreRow> rows, long rev) {
        Map<String, TreeMap<String, Object>> previous = new HashMap<>();
        good.forEach((k, v) -> previous.put(k, new TreeMap<>(v)));
        good.clear();
        rejected.clear();
        ignoredFields.clear();
        for (StoreRow row : rows) {
            Object last = previous.getOrDefault(row.kind(), new TreeMap<>()).get(row.id());
            if (last != null) {
                good.computeIfAbsent(row.kind(), k -> new TreeMap<>()).put(row.id(), last);
            }
            decode(row);
        }
        this.revision = rev;
        rebuild();
    }

    @Override
    public synchronized void onPut(StoreRow row) {
        decode(row);
        revision = Math.max(revision, row.revision());
        rebuild();
    }

    @Override
    public synchronized void onDelete(String kind, String id, long rev) {
        TreeMap<String, Object> m = good.get(kind);
        if (m != null) {
            m.remove(id);
        }
        rejected.remove(kind + "/" + id);
        ignoredFields.remove(kind + "/" + id);
        revision = Math.max(revision, rev);
        rebuild();
    }

    @Override
    public void onConnectionChange(boolean isConnected) {
        this.connected = isConnected;
    }

    private void decode(StoreRow row) {
        ResourceKind<?> kind = kinds.get(row.kind());
        if (kind == null) {
            return; // a kind no loaded plugin declares: nothing reads it
        }
        String key = row.kind() + "/" + row.id();
        JsonNode value;
        try {
            value = JSON.readTree(row.value());
        } catch (IOException e) {
            reject(row, List.of("/: not valid JSON"));
            return;
        }
        try {
            Object decoded = kind.decode(row.id(), value);
            good.computeIfAbsent(row.kind(), k -> new TreeMap<>()).put(row.id(), decoded);
            rejected.remove(key);
            List<String> ignored = kind.ignoredFields(value);
            if (ignored.isEmpty()) {
                ignoredFields.remove(key);
            } else {
                ignoredFields.put(key, List.copyOf(ignored));
            }
        } catch (ValidationException e) {
            reject(row, e.issues().stream().map(ValidationIssue::toString).toList());
        } catch (RuntimeException e) {
            reject(row, List.of("/: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private void reject(StoreRow row, List<String> errors) {
        String key = row.kind() + "/" + row.id();
        boolean servingLastGood = good.getOrDefault(row.kind(), new TreeMap<>()).containsKey(row.id());
        RejectedRow prior = rejected.get(key);
        rejected.put(key, new RejectedRow(row.kind(), row.id(), row.revision(), List.copyOf(errors), servingLastGood,
                prior != null ? prior.since() : clock.instant()));
        LOG.warning("rejected " + key + " at revision " + row.revision() + ": " + String.join("; ", errors)
                + (servingLastGood ? " (serving the last good value)" : ""));
    }

    private void rebuild() {
        rejectedView = List.copyOf(rejected.values());
        ignoredView = Map.copyOf(ignoredFields);
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        good.forEach((k, v) -> byKind.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        Instant now = clock.instant();
        Snapshot snapshot = new ResourceSnapshot(revision, now, Map.copyOf(byKind));
        try {
            current.set(compiler.apply(snapshot));
            lastError = "";
        } catch (RuntimeException e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.log(Level.SEVERE, "could not compile configuration at revision " + revision
                    + "; the previous configuration keeps serving", e);
        }
        lastApplied = now;
    }

    /** Rows rejected so far, as {@code kind/id}, for tests. */
    List<String> rejectedKeys() {
        return new ArrayList<>(rejected.keySet());
    }
}
