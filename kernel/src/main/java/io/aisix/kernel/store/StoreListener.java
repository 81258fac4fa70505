package io.aisix.kernel.store;

import java.util.List;

/**
 * Receives the store's content and changes, in revision order. Every call except
 * {@link #onRevisionSeen} comes from one thread at a time.
 */
public interface StoreListener {

    /**
     * The complete content at {@code revision}: on start, after a reconnect and after a
     * compaction made the watch lose events. Replaces everything known before.
     */
    void onSync(List<StoreRow> rows, long revision);

    /**
     * One batch of changes, to be applied as a whole: every change of one store revision (an etcd
     * transaction) is in the same batch, and a batch may hold several revisions (a burst that
     * arrived while the previous batch was applied). Changes are in revision order; the batch
     * leaves the store at {@code revision}. The batch may be empty when nothing the listener can
     * read changed (a key outside the layout), so that the revision still advances.
     */
    void onChanges(List<StoreChange> changes, long revision);

    /**
     * Changes up to {@code revision} reached the store client and will be delivered. Called on the
     * thread that received them, possibly while another call runs; must not block.
     */
    default void onRevisionSeen(long revision) {
    }

    /** The store became reachable or unreachable; the last snapshot keeps serving meanwhile. */
    void onConnectionChange(boolean connected);
}
