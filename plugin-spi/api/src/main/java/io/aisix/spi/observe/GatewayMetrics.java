package io.aisix.spi.observe;

import java.util.function.DoubleSupplier;

/**
 * The kernel's metrics registry as plugins see it (Prometheus text on {@code /metrics}).
 *
 * <p>Names are full metric names ({@code aisix_cache_requests_total}); labels come as name/value
 * pairs. Label values must come from configuration (resource names, aliases) or small fixed sets,
 * never from request content, so cardinality stays bounded. Calls are cheap, thread-safe and never
 * throw: a misuse (odd label list, other label names than the first use of the name, a name used
 * as two types) is logged once and the call ignored.
 *
 * <ul>
 *   <li>A name always carries the same label names, in any order; the first use fixes them.</li>
 *   <li>Counters keep fractions ({@code aisix_cost_usd_total} adds fractions of a dollar); on a
 *       registry that counts whole units only, a fraction is carried until it adds up to one.</li>
 *   <li>Histogram buckets are chosen from the name: {@code *time_to_first_token*} gets TTFT buckets
 *       (10 ms .. 60 s), other {@code *_seconds} names latency buckets (5 ms .. 120 s), anything
 *       else powers of ten (1 .. 10^6). Histograms that are not {@code *_seconds} count whole units
 *       (an observation is rounded up).</li>
 * </ul>
 */
public interface GatewayMetrics {

    /**
     * Declares the {@code # HELP} text of a metric family. The plugin that records a metric
     * declares it, once, before recording (in {@code start}); the first declaration of a name wins
     * and a family never declared has an empty description.
     */
    default void describe(String name, String help) {
    }

    /** Adds 1 to a counter. */
    default void increment(String name, String... labels) {
        add(name, 1, labels);
    }

    /** Adds {@code amount} (at least 0) to a counter. */
    void add(String name, double amount, String... labels);

    /** Records one observation in a histogram (seconds for durations). */
    void observe(String name, double value, String... labels);

    /** Registers a gauge read at scrape time; registering the same name and labels again replaces it. */
    void gauge(String name, DoubleSupplier value, String... labels);

    /** Discards everything (unit tests). */
    GatewayMetrics NOOP = new GatewayMetrics() {
        @Override
        public void add(String name, double amount, String... labels) {
        }

        @Override
        public void observe(String name, double value, String... labels) {
        }

        @Override
        public void gauge(String name, DoubleSupplier value, String... labels) {
        }
    };
}
