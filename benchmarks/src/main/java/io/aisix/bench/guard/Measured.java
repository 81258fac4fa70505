package io.aisix.bench.guard;

import java.util.Collections;
import java.util.List;

/**
 * What one JMH run measured for one benchmark and parameter set: the bytes allocated per
 * operation in each measurement iteration ({@code gc.alloc.rate.norm}), and the time score in the
 * benchmark's own unit (for reading beside it; the guard never checks time).
 *
 * <p>The figure the guard uses is the lowest iteration, not the mean: what moves allocation per
 * operation within a run is the JIT (code C2 has not compiled yet allocates what escape analysis
 * later removes; a deoptimisation falls back to such code), and that adds bytes.
 */
record Measured(BenchmarkId id, List<Double> allocation, double timeScore, String timeUnit) {
    /** How far the last iteration may lie below the first for the figures to count as settled. */
    static final double SETTLED_PERCENT = 1.0;
    static final double SETTLED_BYTES = 64;

    Measured {
        if (allocation.isEmpty()) {
            throw new IllegalArgumentException(id + ": no allocation figures");
        }
        allocation = List.copyOf(allocation);
    }

    double bytesPerOp() {
        return Collections.min(allocation);
    }

    /**
     * True unless allocation was still falling during the measurement (the last iteration more than
     * 1% and 64 B below the first): then the JIT had not finished, and a longer warm-up would
     * measure less.
     */
    boolean settled() {
        double drop = allocation.getFirst() - allocation.getLast();
        return drop <= SETTLED_BYTES || drop * 100 <= allocation.getLast() * SETTLED_PERCENT;
    }
}
