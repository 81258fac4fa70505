package io.aisix.kernel.http;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Process lifecycle seen by the probes and the drain: in-flight proxy requests (held through
 * streamed bodies) and whether a drain has begun.
 */
public final class Lifecycle {
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();

    public boolean draining() {
        return draining.get();
    }

    /** Marks the start of a drain; true the first time. */
    public boolean beginDrain() {
        return draining.compareAndSet(false, true);
    }

    public int inFlight() {
        return inFlight.get();
    }

    void enter() {
        inFlight.incrementAndGet();
    }

    void exit() {
        inFlight.decrementAndGet();
    }
}
