package io.aisix.kernel.store;

/** A conditional write found another revision than expected (a lost update, or a create of an existing row). */
public class RevisionConflictException extends RuntimeException {
    private final long actualRevision;

    public RevisionConflictException(String key, long actualRevision) {
        super("revision conflict on " + key + " (current revision " + actualRevision + ")", null, false, false);
        this.actualRevision = actualRevision;
    }

    /** The current revision, 0 when the row does not exist. */
    public long actualRevision() {
        return actualRevision;
    }
}
