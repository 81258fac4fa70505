package io.aisix.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A run-time dependency of a plugin (a Redis server, a remote service) whose state
 * {@code GET /admin/v1/health} reports under {@code dependencies}; a dependency that is down
 * makes the gateway's status {@code degraded}. Register one with
 * {@link PluginContext#addHealthContributor}, usually from {@code start}.
 *
 * <p>{@link #status()} is called on every health request: it must answer from what recent calls
 * and connection events saw, without I/O and without blocking.
 */
public interface HealthContributor {

    /** Short, stable name, for example {@code redis (cache)}. */
    String name();

    /** The dependency's state now. */
    Status status();

    /**
     * @param up     whether the last calls reached the dependency
     * @param target where it is, without credentials (for example {@code 10.0.0.7:6379})
     * @param error  what the last failure said, empty while up
     * @param since  when the dependency entered this state (up or down)
     */
    record Status(boolean up, String target, String error, Instant since) {
        public Status {
            Objects.requireNonNull(target, "target");
            error = error == null ? "" : error;
            Objects.requireNonNull(since, "since");
        }
    }
}
