package io.aisix.kernel.store;

import java.util.List;
import java.util.Optional;

/**
 * Where dynamic resources live: the embedded file store on one machine, etcd in production, or a
 * resources file ({@code resources_file}, {@linkplain #readOnly() read-only}). Keys are
 * {@code <prefix>/<kind>/<id>}; values are bare JSON. Every implementation behaves the same
 * towards the snapshot builder and the Admin API.
 *
 * <p>Revisions: {@code expectedRevision} on writes is {@link #ANY} (unconditional),
 * {@link #ABSENT} (create only) or a row's revision (replace only that version); a mismatch
 * throws {@link RevisionConflictException}. A store that cannot be reached throws
 * {@link StoreUnavailableException}.
 */
public interface ConfigStore extends AutoCloseable {
    long ANY = -1;
    long ABSENT = 0;

    /** {@code embedded}, {@code etcd} or {@code file}. */
    String backend();

    /** Every row of one kind, in id order. */
    List<StoreRow> list(String kind);

    Optional<StoreRow> get(String kind, String id);

    /** Writes a row and returns it with its new revision. */
    StoreRow put(String kind, String id, byte[] value, long expectedRevision);

    /** Deletes a row; false when it did not exist. */
    boolean delete(String kind, String id, long expectedRevision);

    /**
     * Starts delivering content to the listener: a full {@link StoreListener#onSync} first, then
     * batches of changes from the next revision ({@link StoreListener#onChanges}). Reconnects and
     * resyncs by itself. Returns once the first sync was delivered or the first attempt failed.
     */
    void watch(StoreListener listener);

    /** Whether the store is reachable right now. */
    default boolean connected() {
        return status().connected();
    }

    /** The store's state, its endpoint, and the failure behind a state other than connected. */
    StoreStatus status();

    /**
     * The rows last read, while the store is unreachable and knows some (from its last sync or a
     * snapshot cache); empty while it is reachable.
     */
    default Optional<LastKnownRows> lastKnown() {
        return Optional.empty();
    }

    /**
     * Why resources cannot be written through the gateway, saying where the configuration lives
     * instead (the Admin API answers writes with 405 and this text); empty when the store takes
     * writes.
     */
    default Optional<String> readOnly() {
        return Optional.empty();
    }

    @Override
    void close();
}
