package io.aisix.kernel.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Process lifecycle seen by the probes and the drain: in-flight proxy requests (held through
 * streamed bodies), whether a drain has begun, and the streams being written, so that the drain
 * deadline can end them with an error event instead of a silent close.
 */
public final class Lifecycle {
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<StreamCut> streams = ConcurrentHashMap.newKeySet();

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

    /** How long cut streams get to write their error event and complete. */
    static final Duration CUT_GRACE = Duration.ofSeconds(2);
    private static final Logger LOG = Logger.getLogger(Lifecycle.class.getName());

    /**
     * Begins a drain: probes answer 503 at once while the listeners keep accepting; returns once
     * {@code minimum} has passed and nothing is in flight (streams included), or once
     * {@code maximum} more has passed after {@code minimum}, when the streams still open are cut.
     * Returns true when nothing was left in flight.
     */
    public boolean drain(Duration minimum, Duration maximum) {
        beginDrain();
        long start = System.nanoTime();
        long open = start + minimum.toNanos();
        long deadline = open + maximum.toNanos();
        if (!waitIdle(open, deadline)) {
            return inFlight() == 0;
        }
        if (inFlight() == 0) {
            LOG.info("drain complete: no request in flight after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
            return true;
        }
        // Deadline: the streams still open end with an error event (and their access-log line and
        // usage event, marked cut) rather than a silent close when the listeners stop.
        int cut = cutStreams();
        if (cut > 0) {
            LOG.warning("drain deadline reached: cutting " + cut + " open streams");
            long grace = System.nanoTime() + CUT_GRACE.toNanos();
            waitIdle(System.nanoTime(), grace);
        }
        return false;
    }

    /** Waits until {@code open} has passed and nothing is in flight, or until {@code deadline}; false if interrupted. */
    private boolean waitIdle(long open, long deadline) {
        while (true) {
            long now = System.nanoTime();
            if (now - deadline >= 0 || now - open >= 0 && inFlight() == 0) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Streams being written right now. */
    public int openStreams() {
        return streams.size();
    }

    /**
     * Ends every stream being written with an error event (the drain deadline has passed);
     * returns how many were asked to end.
     */
    public int cutStreams() {
        int n = 0;
        for (StreamCut s : streams) {
            s.cut();
            n++;
        }
        return n;
    }

    void enter() {
        inFlight.incrementAndGet();
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /** Registers the calling thread's stream until {@link StreamCut#close()}. */
    StreamCut stream() {
        StreamCut s = new StreamCut(Thread.currentThread());
        streams.add(s);
        return s;
    }

    /**
     * One stream being written, cut from another thread. The writer waits for upstream events
     * in {@link #waiting}; a cut interrupts it only there (a virtual thread blocked in a socket
     * read gives up at once, closing the upstream connection), never while it writes to the
     * caller, where an interrupt would close the caller's connection before the error event.
     */
    final class StreamCut implements AutoCloseable {
        private final Thread writer;
        private boolean waiting;
        private volatile boolean cut;

        StreamCut(Thread writer) {
            this.writer = writer;
        }

        synchronized void cut() {
            cut = true;
            if (waiting) {
                writer.interrupt();
            }
        }

        boolean isCut() {
            return cut;
        }

        /** The writer is about to wait for the next upstream event; false when already cut. */
        synchronized boolean waiting() {
            waiting = !cut;
            return waiting;
        }

        /** The writer has its event (or failed); clears an interrupt the cut left behind. */
        void done() {
            synchronized (this) {
                waiting = false;
            }
            if (cut) {
                Thread.interrupted();
            }
        }

        @Override
        public void close() {
            streams.remove(this);
        }
    }
}
