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
 *
 * <p><b>Readiness.</b> By default a dependency only degrades {@code /admin/v1/health}: the gateway
 * stays in rotation through its outage, since plugins fall back (the cache serves misses, rate
 * limits count locally). One that {@link #gatesReadiness() gates readiness} also answers
 * {@code /readyz}: while it is down the probe says 503 with its name, target, since and error,
 * after the kernel's own reasons (drain, store, configuration). Never {@code /livez}: restarting a
 * gateway does not bring a remote dependency back, and an outage would restart every instance.
 */
public interface HealthContributor {

    /** Short, stable name, for example {@code redis (cache)}. */
    String name();

    /** The dependency's state now. */
    Status status();

    /**
     * Whether {@code /readyz} answers 503 while this dependency is down (see the class comment); false
     * by default. Read on every probe, as {@link #status()}: no I/O, no blocking. Plugins make it a
     * setting the operator opts into (the {@code redis} plugin's
     * {@code plugins.redis.ready_while_disconnected: false}).
     */
    default boolean gatesReadiness() {
        return false;
    }

    /**
     * A dependency's state, as {@code /admin/v1/health} and {@code /readyz} show it.
     *
     * @param up     whether the last calls reached the dependency
     * @param target where it is, without credentials (for example {@code 10.0.0.7:6379})
     * @param error  what the last failure said, empty while up
     * @param since  when the dependency entered this state (up or down)
     */
    record Status(boolean up, String target, String error, Instant since) {
        /**
         * A {@code null} {@code error} is empty.
         *
         * @throws NullPointerException when {@code target} or {@code since} is {@code null}
         */
        public Status {
            Objects.requireNonNull(target, "target");
            error = error == null ? "" : error;
            Objects.requireNonNull(since, "since");
        }
    }
}
