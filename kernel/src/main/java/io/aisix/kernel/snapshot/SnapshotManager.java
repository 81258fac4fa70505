package io.aisix.kernel.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.Filter;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the store's rows into the {@link GatewayState} that requests run against.
 *
 * <p>One batch of the store ({@link #onSync}, {@link #onChanges}) is one snapshot and one chain
 * compile: every row of the batch is decoded with its kind's validator (a row that fails is
 * skipped and reported, and the key's last good value keeps serving), the snapshot is rebuilt
 * (kinds the batch did not touch keep their maps), the chains are compiled, the new state replaces
 * the serving one atomically, and only then are the plugins told it is live
 * ({@link io.aisix.spi.FilterFactory#activate}). A plugin whose factory fails keeps its previous
 * filter while the rest applies ({@link #pluginFailures()}); a plugin that never built holds the
 * whole snapshot back ({@link #lastError()}). Half a batch is never served.
 *
 * <p>Requests take the state with {@link #acquire()}; filters that hold resources
 * ({@link AutoCloseable}) are closed once no serving state contains them and every request that
 * ran them ended. Store callbacks arrive from one thread at a time; readers never lock.
 */
public final class SnapshotManager implements StoreListener {
    static final int MAX_SUSPECTS = 20;
    private static final Logger LOG = Logger.getLogger(SnapshotManager.class.getName());
    private static final ObjectMapper JSON = Json.mapper();

    private final Map<String, ResourceKind<?>> kinds;
    private final ChainCompiler compiler;
    private final Clock clock;
    private final AtomicReference<Live> live = new AtomicReference<>();

    // confined to the store callback thread (the synchronized methods)
    /** kind to id to last good value. */
    private final Map<String, TreeMap<String, Object>> good = new HashMap<>();
    /** kind/id to the revision of the last row delivered, valid or not. */
    private final Map<String, Long> rowRevisions = new HashMap<>();
    private final Map<String, RejectedRow> rejected = new TreeMap<>();
    private final Map<String, List<String>> ignoredFields = new TreeMap<>();
    /** plugin/step to failure. */
    private final Map<String, PluginFailure> failures = new TreeMap<>();
    /** The per-kind maps of the serving snapshot, reused for kinds a batch does not touch. */
    private Map<String, Map<String, Object>> published = Map.of();
    /**
     * Kinds changed since the serving snapshot (more than one batch when a build was held back),
     * the first changed rows (the suspects a plugin failure names) and how many rows changed.
     */
    private final Set<String> dirtyKinds = new HashSet<>();
    private final Set<String> changedRows = new LinkedHashSet<>();
    private int changedCount;
    private boolean allDirty = true;
    private ChainCompiler.Build serving;

    private volatile List<RejectedRow> rejectedView = List.of();
    private volatile Map<String, List<String>> ignoredView = Map.of();
    private volatile List<PluginFailure> failuresView = List.of();
    private volatile Instant lastApplied;
    private volatile boolean connected;
    private volatile String lastError = "";
    /** Successful applies so far (AISIX's {@code apply_seq}). */
    private volatile long applySeq;
    /** The last apply that failed, or null: {@code {at, kind, error}} for {@code /status/config}. */
    private volatile Failure lastFailure;

    /**
     * An apply that failed: the configuration was not swapped in.
     *
     * @param kind {@code compile_failed} or {@code plugin_failed}
     */
    public record Failure(Instant at, String kind, String error) {
    }

    private final Object revisions = new Object();
    private volatile long served;
    private long seen; // guarded by revisions
    private Instant behindSince; // guarded by revisions; null while served has caught up with seen
    private Instant seenAt; // guarded by revisions

    /** AutoCloseable filter to the number of live states holding it; guarded by itself. */
    private final Map<Object, Integer> closeRefs = new IdentityHashMap<>();

    public SnapshotManager(List<ResourceKind<?>> kinds, ChainCompiler compiler, Clock clock) {
        Map<String, ResourceKind<?>> m = new LinkedHashMap<>();
        kinds.forEach(k -> m.put(k.name(), k));
        this.kinds = Collections.unmodifiableMap(m);
        this.compiler = compiler;
        this.clock = clock;
    }

    /** A request's hold on the state it runs against; close it when the request (or its stream) ended. */
    public interface Lease extends AutoCloseable {
        /** The state, or null before the first apply. */
        GatewayState state();

        @Override
        void close();
    }

    private static final Lease NONE = new Lease() {
        @Override
        public GatewayState state() {
            return null;
        }

        @Override
        public void close() {
        }
    };

    /** The serving state, held until the lease is closed (exactly once). */
    public Lease acquire() {
        while (true) {
            Live l = live.get();
            if (l == null) {
                return NONE;
            }
            l.users.incrementAndGet();
            if (live.get() == l) {
                return l;
            }
            l.close(); // swapped meanwhile: take the new one
        }
    }

    /** The state to run a request against, or null before the first apply. */
    public GatewayState current() {
        Live l = live.get();
        return l == null ? null : l.state;
    }

    public boolean applied() {
        return live.get() != null;
    }

    public Map<String, ResourceKind<?>> kinds() {
        return kinds;
    }

    /** The store revision the serving state reflects, counted from when its plugins were activated. */
    public long revision() {
        return served;
    }

    /** The newest store revision seen, served or not yet. */
    public long seenRevision() {
        synchronized (revisions) {
            return seen;
        }
    }

    /** How long the served revision has lagged the seen one; zero while they match. */
    public Duration behind() {
        synchronized (revisions) {
            return behindSince == null ? Duration.ZERO : Duration.between(behindSince, clock.instant());
        }
    }

    /** When the serving state was swapped in, or null when never. */
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

    /** Plugins serving an older configuration because they failed on a newer one. */
    public List<PluginFailure> pluginFailures() {
        return failuresView;
    }

    /** Why the latest change is not served (a plugin that never built failed), empty when it is. */
    public String lastError() {
        return lastError;
    }

    /** How many times a configuration was swapped in (0 before the first). */
    public long applySeq() {
        return applySeq;
    }

    /** The last apply that failed (the previous configuration kept serving), or null when none did. */
    public Failure lastFailure() {
        return lastFailure;
    }

    @Override
    public synchronized void onSync(List<StoreRow> rows, long rev) {
        Map<String, TreeMap<String, Object>> previous = new HashMap<>(good);
        Set<String> gone = new HashSet<>(rowRevisions.keySet());
        good.clear();
        rejected.clear();
        ignoredFields.clear();
        for (StoreRow row : rows) {
            String key = row.kind() + "/" + row.id();
            gone.remove(key);
            Long before = rowRevisions.put(key, row.revision());
            if (before == null || before != row.revision()) {
                changed(key);
            }
            Object last = previous.getOrDefault(row.kind(), new TreeMap<>()).get(row.id());
            if (last != null) {
                good.computeIfAbsent(row.kind(), k -> new TreeMap<>()).put(row.id(), last);
            }
            decode(row);
        }
        for (String key : gone) {
            rowRevisions.remove(key);
            changed(key);
        }
        allDirty = true;
        rebuild(rev);
    }

    @Override
    public synchronized void onChanges(List<StoreChange> changes, long rev) {
        if (changes.isEmpty() && live.get() != null && changedCount == 0) {
            markServed(rev); // nothing readable changed: the serving state already is this revision
            return;
        }
        for (StoreChange c : changes) {
            String key = c.kind() + "/" + c.id();
            changed(key);
            dirtyKinds.add(c.kind());
            switch (c) {
                case StoreChange.Put p -> {
                    rowRevisions.put(key, p.revision());
                    decode(p.row());
                }
                case StoreChange.Delete d -> {
                    rowRevisions.remove(key);
                    TreeMap<String, Object> m = good.get(d.kind());
                    if (m != null) {
                        m.remove(d.id());
                    }
                    rejected.remove(key);
                    ignoredFields.remove(key);
                }
            }
        }
        rebuild(rev);
    }

    private void changed(String key) {
        changedCount++;
        if (changedRows.size() < MAX_SUSPECTS) {
            changedRows.add(key);
        }
    }

    /** When the newest revision was first seen (or served), or null before anything was. */
    public Instant seenAt() {
        synchronized (revisions) {
            return seenAt;
        }
    }

    @Override
    public void onRevisionSeen(long rev) {
        synchronized (revisions) {
            if (rev > seen) {
                seen = rev;
                seenAt = clock.instant();
                if (served < seen && behindSince == null) {
                    behindSince = clock.instant();
                }
            }
        }
    }

    @Override
    public void onConnectionChange(boolean isConnected) {
        this.connected = isConnected;
    }

    private void markServed(long rev) {
        synchronized (revisions) {
            served = rev;
            if (rev > seen || seenAt == null) {
                seenAt = clock.instant();
            }
            seen = Math.max(seen, rev);
            if (served >= seen) {
                behindSince = null;
            } else if (behindSince == null) {
                behindSince = clock.instant();
            }
        }
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
        Instant now = clock.instant();
        rejected.put(key, new RejectedRow(row.kind(), row.id(), row.revision(), List.copyOf(errors), servingLastGood,
                prior != null ? prior.since() : now, now));
        LOG.warning("rejected " + key + " at revision " + row.revision() + ": " + String.join("; ", errors)
                + (servingLastGood ? " (serving the last good value)" : ""));
    }

    /** One snapshot and one compile for everything changed since the serving state. */
    private void rebuild(long rev) {
        rejectedView = List.copyOf(rejected.values());
        ignoredView = Map.copyOf(ignoredFields);
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        good.forEach((k, v) -> {
            Map<String, Object> kept = allDirty || dirtyKinds.contains(k) ? null : published.get(k);
            byKind.put(k, kept != null ? kept : Collections.unmodifiableMap(new LinkedHashMap<>(v)));
        });
        Instant now = clock.instant();
        Snapshot snapshot = new ResourceSnapshot(rev, now, Map.copyOf(byKind));
        ChainCompiler.Build build;
        try {
            build = compiler.compile(snapshot, serving);
        } catch (RuntimeException e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            lastFailure = new Failure(now, "compile_failed", lastError);
            LOG.log(Level.SEVERE, "could not compile configuration at revision " + rev
                    + "; the previous configuration keeps serving", e);
            return;
        }
        recordCompile(build, rev, now);
        if (!build.complete()) {
            lastError = "revision " + rev + " is not served: " + String.join("; ", build.failures().entrySet().stream()
                    .filter(e -> serving == null || !serving.filters().containsKey(e.getKey()))
                    .map(e -> "plugin " + e.getKey() + " has never built a filter and failed: " + describe(e.getValue()))
                    .toList());
            lastFailure = new Failure(now, "plugin_failed", lastError);
            LOG.severe(lastError + (serving != null ? "; the configuration at revision " + served + " keeps serving"
                    : "; nothing is served until it builds"));
            closeUnused(build.freshFilters());
            failuresView = List.copyOf(failures.values());
            return;
        }
        published = Map.copyOf(byKind);
        dirtyKinds.clear();
        changedRows.clear();
        changedCount = 0;
        allDirty = false;
        serving = build;
        install(build);
        recordActivation(build, compiler.activate(build), rev, now);
        // served once the plugins' own state follows too: whoever waits for this revision sees all of it
        markServed(rev);
        lastApplied = now;
        lastError = "";
        applySeq++;
        failuresView = List.copyOf(failures.values());
    }

    private void recordCompile(ChainCompiler.Build build, long rev, Instant now) {
        build.fresh().forEach(id -> failures.remove(id + "/compile"));
        build.failures().forEach((id, e) -> record(id, "compile", e, rev, now,
                build.complete() ? "it keeps serving the filter it built before" : "the snapshot is held back"));
    }

    private void recordActivation(ChainCompiler.Build build, Map<String, Throwable> errors, long rev, Instant now) {
        for (String id : build.fresh()) {
            Throwable e = errors.get(id);
            if (e == null) {
                failures.remove(id + "/activate");
            } else {
                record(id, "activate", e, rev, now, "the new configuration serves; the plugin's own state may lag");
            }
        }
    }

    private void record(String plugin, String step, Throwable e, long rev, Instant now, String consequence) {
        String key = plugin + "/" + step;
        PluginFailure prior = failures.get(key);
        String error = describe(e);
        if (prior == null) {
            List<String> suspects = suspects();
            failures.put(key, new PluginFailure(plugin, step, error, rev, suspects, now));
            LOG.log(Level.SEVERE, "plugin " + plugin + " failed to " + step + " the configuration at revision " + rev
                    + " (changed: " + String.join(", ", suspects) + "): " + error + "; " + consequence, e);
        } else {
            failures.put(key, new PluginFailure(plugin, step, error, prior.revision(), prior.resources(), prior.since()));
        }
    }

    private List<String> suspects() {
        List<String> out = new ArrayList<>(changedRows);
        if (changedCount > out.size()) {
            out.add("... (" + (changedCount - out.size()) + " more changes)");
        }
        return List.copyOf(out);
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    // ---------------------------------------------------------------- serving states and their resources

    private void install(ChainCompiler.Build build) {
        List<AutoCloseable> closeables = new ArrayList<>();
        Set<Object> seenFilters = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Optional<Filter> f : build.filters().values()) {
            if (f.isPresent() && f.get() instanceof AutoCloseable c && seenFilters.add(c)) {
                closeables.add(c);
            }
        }
        Live next = new Live(build.state(), List.copyOf(closeables));
        synchronized (closeRefs) {
            closeables.forEach(c -> closeRefs.merge(c, 1, Integer::sum));
        }
        Live previous = live.getAndSet(next);
        if (previous != null) {
            previous.retire();
        }
    }

    /** A state that served and is no longer used by anyone: drop its hold on its filters. */
    private void release(Live l) {
        if (!l.released.compareAndSet(false, true)) {
            return;
        }
        List<AutoCloseable> toClose = new ArrayList<>();
        synchronized (closeRefs) {
            for (AutoCloseable c : l.closeables) {
                int n = closeRefs.getOrDefault(c, 1) - 1;
                if (n == 0) {
                    closeRefs.remove(c);
                    toClose.add(c);
                } else {
                    closeRefs.put(c, n);
                }
            }
        }
        closeLater(toClose);
    }

    /** Filters of a build that never served. */
    private void closeUnused(List<Filter> fresh) {
        List<AutoCloseable> toClose = new ArrayList<>();
        synchronized (closeRefs) {
            for (Filter f : fresh) {
                if (f instanceof AutoCloseable c && !closeRefs.containsKey(c)) {
                    toClose.add(c);
                }
            }
        }
        closeLater(toClose);
    }

    /** Off the request (or store) thread: a plugin's close may flush or wait. */
    private static void closeLater(List<AutoCloseable> filters) {
        if (filters.isEmpty()) {
            return;
        }
        Thread.ofVirtual().name("aisix-filter-close").start(() -> {
            for (AutoCloseable c : filters) {
                try {
                    c.close();
                } catch (Exception | LinkageError e) {
                    LOG.log(Level.WARNING, "closing filter " + c.getClass().getName() + " failed", e);
                }
            }
        });
    }

    /** A state that was swapped in, with the requests running on it. */
    private final class Live implements Lease {
        final GatewayState state;
        final List<AutoCloseable> closeables;
        final AtomicInteger users = new AtomicInteger();
        final AtomicBoolean released = new AtomicBoolean();
        volatile boolean retired;

        Live(GatewayState state, List<AutoCloseable> closeables) {
            this.state = state;
            this.closeables = closeables;
        }

        @Override
        public GatewayState state() {
            return state;
        }

        @Override
        public void close() {
            if (users.decrementAndGet() == 0 && retired) {
                release(this);
            }
        }

        void retire() {
            retired = true;
            if (users.get() == 0) {
                release(this);
            }
        }
    }

    /** The filters of the serving state by plugin id, for tests. */
    synchronized Map<String, Optional<Filter>> servingFilters() {
        return serving == null ? Map.of() : serving.filters();
    }

    /** Rows rejected so far, as {@code kind/id}, for tests. */
    List<String> rejectedKeys() {
        return new ArrayList<>(rejected.keySet());
    }
}
