package io.aisix.spi.resource;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable view of every valid resource at one store revision. A request reads the current
 * snapshot once at entry and keeps it to the end, so it never sees half of a change.
 */
public interface Snapshot {

    /** The store revision this snapshot reflects (0 before anything was loaded). */
    long revision();

    /** When this snapshot was built. */
    Instant builtAt();

    /**
     * Every valid resource of a kind, id to decoded value, in id order. A kind that a change did
     * not touch keeps its very map instance from one snapshot to the next, so a factory may reuse
     * what it derived from it when the map is the same ({@code ==}) as last time.
     */
    <T> Map<String, T> all(ResourceKind<T> kind);

    /**
     * One valid resource of a kind by id; empty when there is none (or it failed validation).
     *
     * @param kind the kind; matched by {@link ResourceKind#name()}
     * @param id   the resource id (the store key, not its name)
     * @param <T>  the kind's decoded value
     * @return the decoded value, never {@code null}
     */
    default <T> Optional<T> get(ResourceKind<T> kind, String id) {
        return Optional.ofNullable(all(kind).get(id));
    }
}
