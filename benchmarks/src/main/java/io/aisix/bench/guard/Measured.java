package io.aisix.bench.guard;

import java.time.Duration;
import java.util.Collections;
import java.util.List;

/**
 * What one JMH run measured for one benchmark and parameter set: the bytes allocated per
 * operation in each measurement iteration ({@code gc.alloc.rate.norm}), the milliseconds the JIT
 * compiled during each ({@code compiler.time.profiled}, {@code -prof comp}; empty when not
 * profiled), the length of an iteration, and the time score in the benchmark's own unit (for
 * reading beside it; the guard never checks time).
 *
 * <p>The figure the guard uses is the lowest iteration, not the mean: what moves allocation per
 * operation within a run is the JIT (code C2 has not compiled yet allocates what escape analysis
 * later removes; a deoptimisation falls back to such code), and that adds bytes.
 */
record Measured(BenchmarkId id, List<Double> allocation, List<Double> compileMillis, Duration iteration,
        double timeScore, String timeUnit) {
    /** How far the last iteration may lie below the first for the figures to count as settled. */
    static final double FALLING_PERCENT = 1.0;
    static final double FALLING_BYTES = 64;
    /** The share of the measured time the JIT may still spend compiling for the figures to count as settled. */
    static final double COMPILING_PERCENT = 10.0;

    Measured {
        if (allocation.isEmpty()) {
            throw new IllegalArgumentException(id + ": no allocation figures");
        }
        allocation = List.copyOf(allocation);
        compileMillis = List.copyOf(compileMillis);
    }

    double bytesPerOp() {
        return Collections.min(allocation);
    }

    /**
     * True unless the JIT was visibly still at work during the measurement: allocation still
     * falling (the last iteration more than 1% and 64 B below the first), or the compilers busy
     * for more than 10% of the measured time. On a loaded machine a run can look flat for a few
     * seconds while C2 works through its queue; its compile time shows it.
     */
    boolean settled() {
        return !falling() && !compiling();
    }

    boolean falling() {
        double drop = allocation.getFirst() - allocation.getLast();
        return drop > FALLING_BYTES && drop * 100 > allocation.getLast() * FALLING_PERCENT;
    }

    boolean compiling() {
        return compiledPercent() > COMPILING_PERCENT;
    }

    /** The JIT's compile time as a share of the measured time, in percent (0 when not profiled). */
    double compiledPercent() {
        double measuredMillis = iteration.toMillis() * (double) compileMillis.size();
        return measuredMillis <= 0 ? 0 : 100 * compileMillis.stream().mapToDouble(d -> d).sum() / measuredMillis;
    }
}
