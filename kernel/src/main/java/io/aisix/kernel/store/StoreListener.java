package io.aisix.kernel.store;

import java.util.List;

/**
 * Receives the store's content and changes, in revision order, from one thread at a time.
 */
public interface StoreListener {

    /**
     * The complete content at {@code revision}: on start, after a reconnect and after a
     * compaction made the watch lose events. Replaces everything known before.
     */
    void onSync(List<StoreRow> rows, long revision);

    /** A row was created or replaced. */
    void onPut(StoreRow row);

    /** A row was deleted at {@code revision}. */
    void onDelete(String kind, String id, long revision);

    /** The store became reachable or unreachable; the last snapshot keeps serving meanwhile. */
    void onConnectionChange(boolean connected);
}
