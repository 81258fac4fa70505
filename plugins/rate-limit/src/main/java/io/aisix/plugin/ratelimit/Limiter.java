package io.aisix.plugin.ratelimit;

import java.util.List;

/**
 * Counters for a set of limits, admitted all together or not at all.
 *
 * <p>Admission checks concurrency first, then token windows (refused once the window's consumed
 * tokens reached the cap), then request windows (refused when this request would exceed the cap);
 * only when every limit passes are the request counters and slots taken.
 */
interface Limiter extends AutoCloseable {

    Decision acquire(List<Limit> limits);

    @Override
    default void close() {
    }
}
