package io.aisix.kernel.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What a {@link ConfigStore} is doing, for {@code /admin/v1/health} and the probes.
 *
 * @param state    see {@link State}
 * @param endpoint where the store is (etcd endpoints, the embedded store's file)
 * @param error    the failure behind a state other than {@code CONNECTED}, empty otherwise
 * @param since    when the store entered this state
 */
public record StoreStatus(State state, String endpoint, String error, Instant since) {

    public enum State {
        /** Reachable; changes are followed. */
        CONNECTED,
        /** Not reachable now; retrying by itself while the last configuration serves. */
        DISCONNECTED,
        /** Broken for good (its watch thread died): only a restart recovers. */
        FAILED
    }

    public StoreStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(endpoint, "endpoint");
        error = error == null ? "" : error;
        Objects.requireNonNull(since, "since");
    }

    public boolean connected() {
        return state == State.CONNECTED;
    }
}
