package io.aisix.kernel.store;

import java.util.Objects;

/**
 * One conditional write of a batch: {@code value} replaces the row, or deletes it when null;
 * {@code expectedRevision} is {@link ConfigStore#ANY}, {@link ConfigStore#ABSENT} (create only) or
 * the revision the row must still have.
 */
public record StoreWrite(String kind, String id, byte[] value, long expectedRevision) {
    public StoreWrite {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    /** Whether this write deletes the row. */
    public boolean delete() {
        return value == null;
    }

    @Override
    public String toString() {
        // values may hold provider secrets
        return (delete() ? "delete " : "put ") + kind + "/" + id + " @" + expectedRevision;
    }
}
