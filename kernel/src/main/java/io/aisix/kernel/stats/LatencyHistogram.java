package io.aisix.kernel.stats;

/**
 * Request durations counted in 40 buckets whose upper bounds grow by a factor of sqrt(2) from
 * 1 ms (bucket i holds durations up to 2^(i/2) ms; the last one everything above ~8.7 min). A
 * percentile is answered with the upper bound of the bucket that holds it, so it is never below
 * the true value and less than sqrt(2) times it (1 ms for anything faster). 160 bytes of counts
 * per aggregate, whatever the traffic.
 */
final class LatencyHistogram {
    static final int BUCKETS = 40;
    private final int[] counts = new int[BUCKETS];
    private long total;

    static int bucket(double ms) {
        if (!(ms > 1)) {
            return 0;
        }
        int i = (int) Math.ceil(2 * Math.log(ms) / Math.log(2) - 1e-9);
        return Math.min(BUCKETS - 1, i);
    }

    static double upperBound(int bucket) {
        return Math.pow(2, bucket / 2.0);
    }

    void add(double ms) {
        addBucket(bucket(ms));
    }

    void addBucket(int bucket) {
        counts[bucket]++;
        total++;
    }

    void clear() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
    }

    void addAll(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
    }

    /** The q-quantile (0 < q <= 1) in ms, or NaN without samples. */
    double quantile(double q) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }
}
