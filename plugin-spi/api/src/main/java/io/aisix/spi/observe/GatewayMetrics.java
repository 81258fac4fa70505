package io.aisix.spi.observe;

import java.util.function.DoubleSupplier;

/**
 * The kernel's metrics registry as plugins see it (Prometheus text on {@code /metrics}).
 *
 * <p>Names are full metric names ({@code aisix_cache_requests_total}); labels come as name/value
 * pairs. Label values must come from configuration (resource names, aliases) or small fixed sets,
 * never from request content, so cardinality stays bounded. Calls are cheap and thread-safe.
 */
public interface GatewayMetrics {

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
