package io.aisix.kernel.store.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.resources.Finding;
import io.aisix.kernel.resources.ResourceRow;
import io.aisix.kernel.resources.ResourcesFile;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * File mode ({@code resources_file}): the resources of one resources file (AISIX's
 * {@code resources.yaml}, read by {@link ResourcesFile} with the gateway's own kinds), served as
 * a read-only store.
 *
 * <p>The file is read when the store opens; an invalid file stops the start (a
 * {@link ConfigException} listing every error). {@link #reload()} (SIGHUP) reads it again: a valid
 * file is compared with the rows being served and the difference is handed to the listener as one
 * batch, so it applies as one snapshot; an invalid file is refused whole, nothing of it applies,
 * the last good rows keep serving, and {@link #rejection()} says why and since when until a reload
 * succeeds. Revisions are generations: 1 for the first read, one more for each reload that changed
 * a row; a row keeps the generation it last changed in (like an etcd mod revision). There is no
 * file watcher: an editor's half-written file is never read unless a signal asks for it.
 *
 * <p>Writes are refused ({@link #readOnly()}): the configuration lives in the file.
 */
public final class ResourcesFileStore implements ConfigStore {
    private static final Logger LOG = Logger.getLogger(ResourcesFileStore.class.getName());
    private static final ObjectMapper JSON = Json.mapper();

    private final Path file;
    private final ResourcesFile reader;
    private final Function<String, String> env;
    private final Clock clock;
    private final Instant openedAt;

    private volatile Loaded current;
    private volatile Rejection rejection; // null while the last read was applied
    private StoreListener listener; // guarded by this

    /** The rows being served, by {@code kind/id}, and the read they came from. */
    private record Loaded(NavigableMap<String, StoreRow> rows, long generation, Instant appliedAt,
                          List<Finding> notices) {
    }

    /**
     * The file as last read was refused: its errors, since when the file has been refused (the
     * first of the reloads that failed in a row) and when it was last tried.
     */
    public record Rejection(Instant since, Instant lastAttempt, List<Finding> errors) {
    }

    /** What a {@link #reload()} did. */
    public sealed interface Outcome {
        /** The generation serving after the reload. */
        long generation();
    }

    /** The file changed: one batch of {@code created + updated + deleted} changes applied. */
    public record Applied(long generation, int created, int updated, int deleted, int unchanged) implements Outcome {
    }

    /** The file is valid and holds what is already served. */
    public record Unchanged(long generation) implements Outcome {
    }

    /** The file is invalid: nothing of it applied, {@code generation} keeps serving. */
    public record Rejected(long generation, Rejection rejection) implements Outcome {
    }

    private ResourcesFileStore(Path file, ResourcesFile reader, Function<String, String> env, Clock clock) {
        this.file = file;
        this.reader = reader;
        this.env = env;
        this.clock = clock;
        this.openedAt = clock.instant();
    }

    /**
     * Reads {@code file} with {@code kinds} (the gateway's, in dependency order) and {@code env}
     * for its {@code ${NAME}} references and {@code key_env} keys.
     *
     * @throws ConfigException naming {@code resources_file} with every error of the file, one per line
     */
    public static ResourcesFileStore open(Path file, Collection<ResourceKind<?>> kinds, Function<String, String> env,
                                          Clock clock) {
        Path absolute = file.toAbsolutePath().normalize();
        ResourcesFileStore store = new ResourcesFileStore(absolute, new ResourcesFile(kinds), env, clock);
        ResourcesFile.Result r = store.reader.read(absolute, env);
        if (!r.valid()) {
            throw new ConfigException("resources_file", absolute + " is invalid (" + count(r.errors().size(), "error")
                    + "); nothing of it is served:" + lines(r.errors()));
        }
        TreeMap<String, StoreRow> rows = new TreeMap<>();
        for (ResourceRow row : r.rows()) {
            rows.put(key(row.kind(), row.id()), new StoreRow(row.kind(), row.id(), row.value(), 1));
        }
        store.current = new Loaded(Collections.unmodifiableNavigableMap(rows), 1, store.openedAt, r.notices());
        LOG.info("resources file " + absolute + " read: " + summary(rows.values()) + notices(r.notices()));
        return store;
    }

    /**
     * Reads the file again and applies it whole, or refuses it whole and keeps serving what was
     * applied before. Returns once the listener has taken the change in.
     */
    public synchronized Outcome reload() {
        Instant now = clock.instant();
        Loaded old = current;
        ResourcesFile.Result r = reader.read(file, env);
        if (!r.valid()) {
            Rejection prior = rejection;
            Rejection refused = new Rejection(prior != null ? prior.since() : now, now, r.errors());
            rejection = refused;
            LOG.warning("resources file " + file + " rejected (" + count(r.errors().size(), "error")
                    + "); nothing of it applies and generation " + old.generation() + " (applied at " + old.appliedAt()
                    + ") keeps serving:" + lines(r.errors()));
            return new Rejected(old.generation(), refused);
        }
        rejection = null;
        long next = old.generation() + 1;
        TreeMap<String, StoreRow> rows = new TreeMap<>();
        List<StoreChange> changes = new ArrayList<>();
        int created = 0;
        int updated = 0;
        for (ResourceRow row : r.rows()) {
            String key = key(row.kind(), row.id());
            StoreRow before = old.rows().get(key);
            if (before != null && sameJson(before.value(), row.value())) {
                rows.put(key, before);
                continue;
            }
            StoreRow changed = new StoreRow(row.kind(), row.id(), row.value(), next);
            rows.put(key, changed);
            changes.add(new StoreChange.Put(changed));
            if (before == null) {
                created++;
            } else {
                updated++;
            }
        }
        int deleted = 0;
        for (StoreRow before : old.rows().values()) {
            if (!rows.containsKey(key(before.kind(), before.id()))) {
                changes.add(new StoreChange.Delete(before.kind(), before.id(), next));
                deleted++;
            }
        }
        if (changes.isEmpty()) {
            current = new Loaded(old.rows(), old.generation(), old.appliedAt(), r.notices());
            LOG.info("resources file " + file + " reloaded: nothing changed, generation " + old.generation()
                    + " keeps serving" + notices(r.notices()));
            return new Unchanged(old.generation());
        }
        current = new Loaded(Collections.unmodifiableNavigableMap(rows), next, now, r.notices());
        int unchanged = rows.size() - created - updated;
        StoreListener l = listener;
        if (l != null) {
            l.onRevisionSeen(next);
            l.onChanges(List.copyOf(changes), next);
        }
        LOG.info("resources file " + file + " reloaded: generation " + next + " applied (" + created + " created, "
                + updated + " updated, " + deleted + " deleted, " + unchanged + " unchanged)" + notices(r.notices()));
        return new Applied(next, created, updated, deleted, unchanged);
    }

    /** The file, as an absolute path. */
    public Path file() {
        return file;
    }

    /** The generation being served: 1 for the first read, one more per reload that changed a row. */
    public long generation() {
        return current.generation();
    }

    /** When the generation being served was read. */
    public Instant appliedAt() {
        return current.appliedAt();
    }

    /** What the last valid read ignored: collections and fields this gateway does not serve. */
    public List<Finding> notices() {
        return current.notices();
    }

    /** Why the file is refused since the last reload, empty while what it holds is served. */
    public Optional<Rejection> rejection() {
        return Optional.ofNullable(rejection);
    }

    @Override
    public String backend() {
        return "file";
    }

    @Override
    public List<StoreRow> list(String kind) {
        // '0' sorts right after '/', so this range holds exactly the keys "kind/..."
        return List.copyOf(current.rows().subMap(kind + "/", true, kind + "0", false).values());
    }

    @Override
    public Optional<StoreRow> get(String kind, String id) {
        return Optional.ofNullable(current.rows().get(key(kind, id)));
    }

    @Override
    public StoreRow put(String kind, String id, byte[] value, long expectedRevision) {
        throw new UnsupportedOperationException(readOnly().orElseThrow());
    }

    @Override
    public boolean delete(String kind, String id, long expectedRevision) {
        throw new UnsupportedOperationException(readOnly().orElseThrow());
    }

    @Override
    public synchronized void watch(StoreListener l) {
        this.listener = l;
        Loaded now = current;
        l.onConnectionChange(true);
        l.onSync(List.copyOf(now.rows().values()), now.generation());
    }

    @Override
    public StoreStatus status() {
        return new StoreStatus(StoreStatus.State.CONNECTED, file.toString(), "", openedAt);
    }

    @Override
    public Optional<String> readOnly() {
        return Optional.of("configuration is read from the resources file " + file + " (resources_file); edit that "
                + "file and send SIGHUP to the gateway to apply it");
    }

    @Override
    public void close() {
        // nothing is held open: the file is read whole on each load
    }

    private static String key(String kind, String id) {
        return kind + "/" + id;
    }

    /** Whether two values are the same JSON, whatever the order of their fields. */
    private static boolean sameJson(byte[] a, byte[] b) {
        try {
            JsonNode x = JSON.readTree(a);
            JsonNode y = JSON.readTree(b);
            return x.equals(y);
        } catch (IOException e) {
            return false;
        }
    }

    private static String summary(Collection<StoreRow> rows) {
        if (rows.isEmpty()) {
            return "no resources";
        }
        Map<String, Long> byKind = rows.stream().collect(Collectors.groupingBy(StoreRow::kind, TreeMap::new,
                Collectors.counting()));
        return byKind.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String notices(List<Finding> notices) {
        return notices.isEmpty() ? "" : lines(notices, "notice");
    }

    private static String lines(List<Finding> errors) {
        return lines(errors, "error");
    }

    private static String lines(List<Finding> findings, String severity) {
        return findings.stream().map(f -> "\n  " + f.format(severity)).collect(Collectors.joining());
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
