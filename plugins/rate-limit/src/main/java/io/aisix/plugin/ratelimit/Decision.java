package io.aisix.plugin.ratelimit;

/** The outcome of an admission. */
sealed interface Decision {

    /**
     * Admitted: {@code counts[i]} is the counter of {@code limits[i]} after this request (requests
     * and slots in use including this one; tokens consumed so far).
     */
    record Admitted(Lease lease, long[] counts, long nowSeconds) implements Decision {
    }

    /** Refused by {@code limit}, whose counter stood at {@code current}. */
    record Rejected(Limit limit, long current, long nowSeconds) implements Decision {
    }
}
