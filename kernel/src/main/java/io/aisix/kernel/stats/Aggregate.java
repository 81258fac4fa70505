package io.aisix.kernel.stats;

import io.aisix.spi.observe.UsageEvent;

/** What one bucket holds for one key, one model or all requests. Guarded by its bucket's lock. */
final class Aggregate {
    long requests;
    long errors;
    long promptTokens;
    long completionTokens;
    long costNanoUsd;
    final LatencyHistogram latency = new LatencyHistogram();

    /**
     * @param latencyBucket the request's {@link LatencyHistogram#bucket}, worked out before the lock
     * @param costNanoUsd   what it cost, 0 when unpriced
     */
    void add(UsageEvent e, int latencyBucket, long costNanoUsd) {
        requests++;
        if (e.status() >= 400) {
            errors++;
        }
        promptTokens += e.promptTokens();
        completionTokens += e.completionTokens();
        this.costNanoUsd += costNanoUsd;
        latency.addBucket(latencyBucket);
    }

    void clear() {
        requests = 0;
        errors = 0;
        promptTokens = 0;
        completionTokens = 0;
        costNanoUsd = 0;
        latency.clear();
    }

    void addAll(Aggregate o) {
        requests += o.requests;
        errors += o.errors;
        promptTokens += o.promptTokens;
        completionTokens += o.completionTokens;
        costNanoUsd += o.costNanoUsd;
        latency.addAll(o.latency);
    }
}
