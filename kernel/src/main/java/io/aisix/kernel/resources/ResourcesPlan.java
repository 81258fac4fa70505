package io.aisix.kernel.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import io.aisix.support.resource.SecretFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What importing a resources file into a store changes, row by row: the file's rows against the
 * store's rows of the same kinds. A row is identified by kind and id; it is created, updated
 * (when its value differs as JSON: the order of fields does not count), left unchanged, or, being
 * in the store and not in the file, deleted (or kept, when deletes are off). Kinds the file's
 * reader does not know are never touched.
 *
 * <p>Against a store read through the Admin API, whose secrets read back masked, a file row is
 * compared after masking its secrets the same way ({@link Secrets#maskAll}): a changed secret
 * counts only when its mask changes (the first three and last four characters, or its length
 * crossing 12).
 */
public final class ResourcesPlan {
    private static final ObjectMapper JSON = Json.mapper();

    private ResourcesPlan() {
    }

    /** What happens to one row. */
    public enum Action {
        CREATE, UPDATE, DELETE, UNCHANGED,
        /** In the store, not in the file, and deletes are off. */
        KEEP;

        /** The word printed for it. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One row's step.
     *
     * @param name     the row's {@code display_name} or {@code name}, empty when it has none
     * @param changed  for an update, the top-level fields that differ (names only, never values)
     * @param value    what a create or an update writes (the file's value, secrets in clear); for a
     *                 delete, the value being deleted (as read: it orders the deletes); else null
     * @param revision the store's revision of the row, 0 when it is not in the store
     */
    public record Step(Action action, String kind, String id, Optional<String> name, List<String> changed,
                       byte[] value, long revision) {
        /** {@code update  models/<id> (gpt-4o): timeout, routing}: names, never values. */
        public String describe() {
            return String.format("%-9s %s/%s%s%s", action.word(), kind, id, name.map(n -> " (" + n + ")").orElse(""),
                    changed.isEmpty() ? "" : ": " + String.join(", ", changed));
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /**
     * The steps that make {@code store} hold what {@code file} holds, in {@code kinds} order, each
     * kind's file rows in file order, then its rows to delete.
     *
     * @param store       the store's rows by kind
     * @param storeMasked whether the store's secrets were read masked (through the Admin API)
     * @param delete      whether rows of the store that the file does not hold are deleted
     */
    public static List<Step> between(List<ResourceKind<?>> kinds, List<ResourceRow> file,
                                     Map<String, List<StoreRow>> store, boolean storeMasked, boolean delete) {
        List<Step> steps = new ArrayList<>();
        for (ResourceKind<?> kind : kinds) {
            Map<String, StoreRow> current = new LinkedHashMap<>();
            store.getOrDefault(kind.name(), List.of()).forEach(r -> current.put(r.id(), r));
            for (ResourceRow row : file) {
                if (!row.kind().equals(kind.name())) {
                    continue;
                }
                JsonNode want = parse(row.value());
                StoreRow have = current.remove(row.id());
                if (have == null) {
                    steps.add(new Step(Action.CREATE, kind.name(), row.id(), name(want), List.of(), row.value(), 0));
                    continue;
                }
                JsonNode compared = storeMasked && want instanceof ObjectNode o ? SecretFields.maskAll(kind, o.deepCopy())
                        : want;
                List<String> changed = changedFields(compared, parse(have.value()));
                steps.add(changed.isEmpty()
                        ? new Step(Action.UNCHANGED, kind.name(), row.id(), name(want), List.of(), null,
                        have.revision())
                        : new Step(Action.UPDATE, kind.name(), row.id(), name(want), changed, row.value(),
                        have.revision()));
            }
            for (StoreRow gone : current.values()) {
                steps.add(new Step(delete ? Action.DELETE : Action.KEEP, kind.name(), gone.id(),
                        name(parse(gone.value())), List.of(), delete ? gone.value() : null, gone.revision()));
            }
        }
        return List.copyOf(steps);
    }

    /**
     * The steps that write, in an order a store that checks references accepts one at a time (the
     * Admin API): creates and updates with referenced rows first (kinds are in dependency order;
     * inside a kind, a routing model after its targets), then deletes the other way round.
     */
    public static List<Step> writeOrder(List<ResourceKind<?>> kinds, List<Step> steps) {
        List<Step> writes = new ArrayList<>();
        List<Step> deletes = new ArrayList<>();
        for (ResourceKind<?> kind : kinds) {
            List<Step> ofKind = steps.stream().filter(s -> s.kind().equals(kind.name())).toList();
            writes.addAll(referencedFirst(kind, ofKind.stream()
                    .filter(s -> s.action() == Action.CREATE || s.action() == Action.UPDATE).toList()));
            List<Step> gone = new ArrayList<>(referencedFirst(kind, ofKind.stream()
                    .filter(s -> s.action() == Action.DELETE).toList()));
            Collections.reverse(gone);
            deletes.addAll(0, gone);
        }
        writes.addAll(deletes);
        return List.copyOf(writes);
    }

    /** Counts per action, for a summary line. */
    public static Map<Action, Integer> count(List<Step> steps) {
        Map<Action, Integer> n = new LinkedHashMap<>();
        for (Action a : Action.values()) {
            n.put(a, 0);
        }
        steps.forEach(s -> n.merge(s.action(), 1, Integer::sum));
        return n;
    }

    /** Rows of one kind ordered so that a row comes after the rows of the same kind it refers to. */
    private static List<Step> referencedFirst(ResourceKind<?> kind, List<Step> steps) {
        Map<Step, List<Reference>> refs = new LinkedHashMap<>();
        for (Step s : steps) {
            refs.put(s, references(kind, s));
        }
        List<Step> out = new ArrayList<>();
        Set<Step> done = new HashSet<>();
        Set<Step> visiting = new HashSet<>();
        for (Step s : steps) {
            visit(kind, s, refs, done, visiting, out);
        }
        return out;
    }

    private static void visit(ResourceKind<?> kind, Step s, Map<Step, List<Reference>> refs, Set<Step> done,
                              Set<Step> visiting, List<Step> out) {
        if (done.contains(s) || !visiting.add(s)) {
            return; // done, or a cycle (the store refuses it anyway): keep file order
        }
        for (Reference r : refs.get(s)) {
            if (!r.kind().equals(kind.name())) {
                continue;
            }
            for (Step target : refs.keySet()) {
                boolean hit = r.byName() ? target.name().map(r.id()::equals).orElse(false) : target.id().equals(r.id());
                if (hit && target != s) {
                    visit(kind, target, refs, done, visiting, out);
                }
            }
        }
        visiting.remove(s);
        done.add(s);
        out.add(s);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<Reference> references(ResourceKind<T> kind, Step s) {
        if (s.value() == null) {
            return List.of();
        }
        try {
            return kind.references(kind.decode(s.id(), parse(s.value())));
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static List<String> changedFields(JsonNode want, JsonNode have) {
        if (!(want instanceof ObjectNode w) || !(have instanceof ObjectNode h)) {
            return want.equals(have) ? List.of() : List.of("(whole value)");
        }
        Set<String> fields = new TreeSet<>();
        for (Iterator<String> it = w.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!w.get(f).equals(h.get(f))) {
                fields.add(f);
            }
        }
        for (Iterator<String> it = h.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!w.has(f)) {
                fields.add(f);
            }
        }
        return List.copyOf(fields);
    }

    private static Optional<String> name(JsonNode value) {
        return ResourcesFile.nameOf(value);
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(new String(value, java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
