package io.aisix.plugin.budgets;

import java.util.Map;

/**
 * Where spend is counted, in nano-USD per counter ({@code <budget id>:<subject>:<period start>}).
 *
 * <p>Hard budgets reserve before the call and charge after it; the reservation bounds the overshoot:
 * a request is admitted while the spend so far plus what requests in flight reserved plus its own
 * estimate fits under the cap, or, when that does not fit, if no other request of this instance
 * holds a reservation on the counter (so each instance lets at most one request run into the last
 * part of the budget, and an unknown estimate, 0, lets one request per instance learn it).
 */
interface Ledger extends AutoCloseable {

    /** A held reservation: what {@link #charge} frees. */
    record Reservation(String member, long nanoUsd) {
    }

    sealed interface Admission {
    }

    /** Admitted; {@code spent} is the counter before this request. */
    record Admitted(Reservation reservation, long spent) implements Admission {
    }

    /** The cap is spent. */
    record Exhausted(long spent) implements Admission {
    }

    /** The rest of the cap is reserved by requests in flight; retry when they settled. */
    record Held(long spent, long reserved) implements Admission {
    }

    /** The store could not be asked and the configuration says to fail closed. */
    record Unavailable(String reason) implements Admission {
    }

    /**
     * Admission of one request against a hard budget's counter.
     *
     * @param estimate    what the request is expected to cost; 0 when unknown
     * @param leaseMs     how long the reservation lives if never charged (a crashed instance)
     * @param expireAtMs  when the counter may be forgotten (after its period)
     */
    Admission reserve(String counter, long capNanoUsd, long estimate, long leaseMs, long expireAtMs);

    /**
     * Adds {@code nanoUsd} to a counter and frees {@code reservation} (may be null: warn budgets
     * reserve nothing).
     *
     * @return the counter after the charge, as far as this ledger knows
     */
    long charge(String counter, Reservation reservation, long nanoUsd, long expireAtMs);

    /**
     * The counters this ledger holds in process memory, counter to spend in nano-USD, read without
     * I/O (for the Admin API's spend, which must not block). A shared ledger whose counters live
     * elsewhere answers none.
     */
    default Map<String, Long> held() {
        return Map.of();
    }

    @Override
    void close();
}
