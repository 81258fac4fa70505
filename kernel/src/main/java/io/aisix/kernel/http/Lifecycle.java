package io.aisix.kernel.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
