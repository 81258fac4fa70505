package io.aisix.kernel.store.etcd;

import java.util.ArrayList;
import java.util.List;

/**
 * A reconnect pause for tests: records every backoff delay the store asks for, waits only a few
 * milliseconds instead, and can hold reconnects until the test opens the gate.
 */
final class TestPause implements EtcdStore.Pause {
    private final List<Long> delays = new ArrayList<>();
    private final long sleepMillis;
    private volatile boolean open = true;
    private volatile int passes = Integer.MAX_VALUE;

    TestPause(long sleepMillis) {
        this.sleepMillis = sleepMillis;
    }

    /** Holds every reconnect attempt until {@link #open()}. */
    TestPause hold() {
        open = false;
        return this;
    }

    TestPause open() {
        open = true;
        return this;
    }

    /** Lets {@code n} more pauses through, then holds. */
    TestPause holdAfter(int n) {
        passes = n;
        return this;
    }

    synchronized List<Long> delays() {
        return List.copyOf(delays);
    }

    @Override
    public void pause(long delayMillis, EtcdStore.Waiter waiter) throws InterruptedException {
        synchronized (this) {
            delays.add(delayMillis);
            if (passes != Integer.MAX_VALUE && passes-- <= 0) {
                open = false;
            }
            notifyAll();
        }
        while (!open) {
            if (waiter.sleep(10) != EtcdStore.Wake.ELAPSED) {
                return; // closing, or woken by a call that reached etcd
            }
        }
        waiter.sleep(sleepMillis);
    }

    synchronized void awaitDelays(int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (delays.size() < n) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("only " + delays.size() + " reconnect pauses, expected " + n + ": " + delays);
            }
            wait(left);
        }
    }
}
