package io.aisix.kernel.store;

/** One change inside a {@link StoreListener#onChanges batch}: a row written, or a row deleted. */
public sealed interface StoreChange {

    String kind();

    String id();

    /** The store revision of the change. */
    long revision();

    /** A row was created or replaced. */
    record Put(StoreRow row) implements StoreChange {
        @Override
        public String kind() {
            return row.kind();
        }

        @Override
        public String id() {
            return row.id();
        }

        @Override
        public long revision() {
            return row.revision();
        }
    }

    /** A row was deleted at {@code revision}. */
    record Delete(String kind, String id, long revision) implements StoreChange {
    }
}
