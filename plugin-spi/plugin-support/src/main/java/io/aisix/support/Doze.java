package io.aisix.support;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How a background thread that polls on a tick (the access log's writer, the upstream client's
 * watchdog) stops ticking once idle, without making the busy path pay for it: the producers never
 * wake it per item, only after it announced that it dozes.
 *
 * <p>The thread calls {@link #doze} when it has found nothing to do for a while; a producer calls
 * {@link #wake} after publishing its work. The sleeper raises its flag before it looks at
 * {@code idle} a last time, and a producer publishes before it reads the flag (both volatile), so
 * either the sleeper sees the work and does not park, or the producer sees the flag and unparks it:
 * no work is left waiting for a sleeper that nobody wakes. Under load the flag stays down and
 * {@link #wake} is one volatile read: no futex call on the producer's thread.
 */
public final class Doze {
    private final BooleanSupplier idle;
    private volatile Thread sleeper;
    private volatile boolean dozing;

    /** @param idle whether there is still nothing to do (no queued item, no read in flight, not closing) */
    public Doze(BooleanSupplier idle) {
        this.idle = idle;
    }

    /**
     * On the polling thread: parks it until {@link #wake}, an unpark or an interrupt (whose status
     * it leaves set), unless {@code idle} turned false meanwhile.
     */
    public void doze() {
        doze(false, 0);
    }

    /** As {@link #doze()}, for at most {@code nanos} (not at all when that is not positive). */
    public void dozeNanos(long nanos) {
        doze(true, nanos);
    }

    private void doze(boolean timed, long nanos) {
        sleeper = Thread.currentThread();
        dozing = true;
        // work published before the flag was up woke nobody: look again now that it is up
        if (idle.getAsBoolean()) {
            if (timed) {
                LockSupport.parkNanos(this, nanos);
            } else {
                LockSupport.park(this);
            }
        }
        dozing = false;
    }

    /** On a producer's thread, after it published its work: wakes the thread if it dozes. */
    public void wake() {
        if (dozing) {
            LockSupport.unpark(sleeper);
        }
    }

    /** Whether the thread dozes now (for tests and {@code stop}). */
    public boolean dozing() {
        return dozing;
    }
}
