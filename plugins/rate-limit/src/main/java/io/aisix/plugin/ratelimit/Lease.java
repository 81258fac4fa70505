package io.aisix.plugin.ratelimit;

/**
 * What an admitted request holds until it ends: its concurrency slots and the token counters it
 * will add to. {@link #settle} releases the slots and adds the tokens exactly once, whatever the
 * number of calls.
 */
interface Lease {

    /** Adds {@code tokens} to the token windows and releases the concurrency slots; idempotent. */
    void settle(long tokens);

    /** A lease that holds nothing. */
    Lease NONE = tokens -> { };
}
