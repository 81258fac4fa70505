package io.aisix.spi.observe;

/**
 * The kernel's in-process statistics of finished proxy requests (per-minute aggregates behind
 * {@code GET /admin/v1/stats} and the operator console), registered as a shared service:
 * {@code context.service(UsageStats.class)}. The observe plugin hands it every request's
 * {@link UsageEvent}.
 *
 * <p>Contract: {@link #record} is called on the request's thread after its response ended; it
 * never blocks on I/O, never throws, and keeps no reference to the event (only counters, a small
 * latency histogram and at most a bounded number of key and model names per minute).
 */
public interface UsageStats {

    /** Adds one finished request to the aggregates of the minute it ended in. */
    void record(UsageEvent event);
}
