package io.aisix.spi;

/**
 * One step of the request chain, built by a {@link FilterFactory} for one configuration snapshot.
 *
 * <p>Contract: {@link #handle} either answers itself (a short-circuit: an auth failure, a cache
 * hit, a guardrail block) or calls {@code chain.proceed(exchange)} exactly once and returns (or
 * wraps) its answer. Errors are thrown as {@link io.aisix.spi.error.GatewayException}; any other
 * exception becomes a 500. Filters are immutable and shared by all requests of a snapshot, so
 * they must be thread-safe. Blocking calls are fine: every request runs on a virtual thread.
 *
 * <p>A filter that holds resources of its own also implements {@link AutoCloseable}; the kernel
 * closes it once no serving chain contains it and no request still runs it (see
 * {@link FilterFactory}).
 */
@FunctionalInterface
public interface Filter {

    /**
     * Handles one request, on that request's thread, any number of times concurrently.
     *
     * @param exchange the request; owned by the calling thread for the duration of the call
     * @param chain    the rest of the chain: call {@link Chain#proceed} at most once
     * @return the answer, never {@code null}: this filter's own or the (possibly wrapped) one of
     *         {@code chain}
     * @throws io.aisix.spi.error.GatewayException to answer with an error (the kernel writes it in
     *         the endpoint's error wire); any other exception becomes a 500
     */
    Response handle(Exchange exchange, Chain chain);
}
