package io.aisix.kernel.dispatch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-model health from live upstream outcomes (API.md section 7): 1 (degraded) after 4
 * consecutive failures, 2 (down) after 8; any success resets. Per process, keyed by model id.
 */
public final class ModelHealth {
    static final int DEGRADED_AFTER = 4;
    static final int DOWN_AFTER = 8;

    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    public void success(String modelId) {
        AtomicInteger n = failures.get(modelId);
        if (n != null) {
            n.set(0);
        }
    }

    public void failure(String modelId) {
        failures.computeIfAbsent(modelId, k -> new AtomicInteger()).incrementAndGet();
    }

    /** 0 healthy, 1 degraded, 2 down. */
    public int level(String modelId) {
        AtomicInteger n = failures.get(modelId);
        int f = n == null ? 0 : n.get();
        return f >= DOWN_AFTER ? 2 : f >= DEGRADED_AFTER ? 1 : 0;
    }
}
