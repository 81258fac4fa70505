package io.aisix.spi;

/**
 * The rest of the chain after the current filter.
 *
 * <p>A filter calls {@link #proceed} at most once. Calling it twice, or returning without calling
 * it and without an answer of its own, is a contract violation the kernel reports as a 500 that
 * names the filter.
 */
public interface Chain {

    /** Runs the remaining filters and the terminal handler and returns their answer. */
    Response proceed(Exchange exchange);
}
