package io.aisix.plugin.observe;

import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.support.Doze;
import io.aisix.support.observe.UsageEventJson;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The access log: one JSON line per proxy request ({@link UsageEventJson} without prompt and
 * completion) at INFO on the JUL logger {@value #LOGGER}, so operators route it with the usual
 * logging configuration. Requests only enqueue; one background thread formats and logs, so a slow
 * log sink never slows a request. When the bounded queue is full the line is dropped and counted
 * in {@code aisix_access_log_dropped_total}.
 *
 * <p>The writer is never woken per request: it drains the queue, and sleeps {@value #IDLE_MILLIS} ms
 * when it found nothing. A blocking {@code poll} would make every request's {@code offer} unpark it
 * (a futex call, several microseconds, on the request's thread); lines reach the log at most that
 * much later instead. After {@value #DOZE_AFTER_EMPTY_POLLS} empty looks in a row (about a second
 * without requests) it sleeps until the next {@code offer} wakes it, so an idle gateway's writer
 * does not wake 50 times a second; under load it never dozes and no request wakes it. Records carry their source explicitly, so JUL never walks the stack to infer
 * it. After each batch the writer flushes the handlers, so a handler may buffer access-log lines
 * until then.
 *
 * <p>When the one handler the lines reach is the distribution's console handler (the shipped
 * logging configuration), the writer hands it the line as built ({@value #FAST_HANDLER}'s
 * {@code publishAccessLine}, which writes the bytes the record would have given) instead of a
 * record of a {@code String} copy of it: the record, the copy, the formatter's copy and the
 * handler chain were most of the writer's CPU per line after the JSON itself. Any other set-up
 * (another or a further handler for {@value #LOGGER} or its parents, a filter, a resource bundle)
 * gets records as before; the writer looks again at each batch. The kernel's handler is reached by
 * name: the plugin does not compile against the kernel.
 */
final class AccessLog {
    static final String LOGGER = "aisix.access";
    static final int CAPACITY = 8192;
    static final long IDLE_MILLIS = 20;
    static final int DOZE_AFTER_EMPTY_POLLS = 50;
    private static final Logger LOG = Logger.getLogger(LOGGER);
    private static final Logger SELF = Logger.getLogger(AccessLog.class.getName());
    /** The handler whose {@code publishAccessLine(StringBuilder)} takes the lines without a record. */
    static final String FAST_HANDLER = "io.aisix.kernel.logging.ConsoleLogHandler";
    /** Per handler class: its {@code publishAccessLine} as (Handler, StringBuilder)boolean, if it has one. */
    private static final ClassValue<Optional<MethodHandle>> FAST_PUBLISH = new ClassValue<>() {
        @Override
        protected Optional<MethodHandle> computeValue(Class<?> type) {
            try {
                return Optional.of(MethodHandles.publicLookup()
                        .findVirtual(type, "publishAccessLine", MethodType.methodType(boolean.class, StringBuilder.class))
                        .asType(MethodType.methodType(boolean.class, Handler.class, StringBuilder.class)));
            } catch (ReflectiveOperationException | RuntimeException ex) {
                SELF.log(Level.FINE, "access log: " + type.getName() + " takes no lines without records", ex);
                return Optional.empty();
            }
        }
    };

    private final BlockingQueue<UsageEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final GatewayMetrics metrics;
    private final Thread writer;
    private volatile boolean stopping;
    /** The writer's sleep until the next line, which the next {@code offer} ends. */
    private final Doze doze = new Doze(() -> queue.isEmpty() && !stopping);
    /**
     * The line being built, reused by the writer thread (its only user): a builder per line grew
     * from 512 to ~1 KB every time, 1.5 KB of garbage per request beside the line itself.
     */
    private final StringBuilder line = new StringBuilder(1024);
    /** This batch's handler to take lines without records and its {@code publishAccessLine}, or nulls. */
    private Handler fast;
    private MethodHandle fastPublish;

    AccessLog(GatewayMetrics metrics) {
        this.metrics = metrics;
        this.writer = Thread.ofPlatform().daemon().name("aisix-access-log").unstarted(this::run);
        writer.start();
    }

    void offer(UsageEvent event) {
        if (stopping || !queue.offer(event)) {
            metrics.increment("aisix_access_log_dropped_total");
        } else {
            doze.wake(); // only after a second without requests does it unpark the writer
        }
    }

    /** Whether the writer sleeps until the next line (for tests). */
    boolean dozing() {
        return doze.dozing();
    }

    /** Whether the writer has ended (for tests). */
    boolean stopped() {
        return !writer.isAlive();
    }

    private void run() {
        List<UsageEvent> batch = new ArrayList<>(256);
        int emptyPolls = 0;
        while (true) {
            queue.drainTo(batch, 256);
            if (batch.isEmpty()) {
                if (stopping) {
                    return;
                }
                if (++emptyPolls >= DOZE_AFTER_EMPTY_POLLS) {
                    emptyPolls = 0;
                    doze.doze(); // until an offer or stop wakes it
                    if (Thread.interrupted()) {
                        stopping = true;
                    }
                    continue;
                }
                try {
                    Thread.sleep(IDLE_MILLIS);
                } catch (InterruptedException e) {
                    stopping = true; // finish what is queued, then end
                }
                continue;
            }
            emptyPolls = 0;
            writeBatch(batch);
            batch.clear();
        }
    }

    /** Writes the lines of a batch of events and flushes the handlers (the writer thread's; benchmarks). */
    void writeBatch(List<UsageEvent> batch) {
        fast = fastHandler();
        fastPublish = fast == null ? null : FAST_PUBLISH.get(fast.getClass()).orElse(null);
        for (UsageEvent e : batch) {
            write(e);
        }
        flushHandlers();
    }

    /**
     * Flushes every handler the access log's lines reach. Handlers may hold lines back until then
     * (the distribution's console handler does, to make one write call per batch).
     */
    private static void flushHandlers() {
        for (Logger l = LOG; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
            for (Handler h : l.getHandlers()) {
                h.flush();
            }
        }
    }

    /**
     * The handler to hand lines to without a record: the only handler a record of {@link #LOGGER}
     * reaches, if it is {@link #FAST_HANDLER}, and the logger has no filter, and no logger on its way
     * to the root has a resource bundle (which would make the record's message a key to look up).
     * Null otherwise: then the lines go as records. The logger's level is asked per line.
     */
    private static Handler fastHandler() {
        if (LOG.getFilter() != null) {
            return null;
        }
        for (Logger l = LOG; l != null; l = l.getParent()) {
            if (l.getResourceBundleName() != null || l.getResourceBundle() != null) {
                return null;
            }
        }
        Handler only = null;
        for (Logger l = LOG; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
            for (Handler h : l.getHandlers()) {
                if (only != null) {
                    return null;
                }
                only = h;
            }
        }
        if (only == null || !only.getClass().getName().equals(FAST_HANDLER)
                || FAST_PUBLISH.get(only.getClass()).isEmpty()) {
            return null;
        }
        return only;
    }

    /** Whether lines written now would skip the record (for tests). */
    static boolean fastPath() {
        return fastHandler() != null;
    }

    private void write(UsageEvent e) {
        try {
            line.setLength(0);
            UsageEventJson.append(e, false, line);
            if (fastPublish != null && LOG.isLoggable(Level.INFO) && publishFast()) {
                return;
            }
            LOG.logp(Level.INFO, AccessLog.class.getName(), "write", line.toString());
        } catch (RuntimeException ex) {
            SELF.log(Level.FINE, "access log line could not be written", ex);
        }
    }

    private boolean publishFast() {
        try {
            return (boolean) fastPublish.invokeExact(fast, line);
        } catch (RuntimeException | Error ex) {
            throw ex;
        } catch (Throwable t) {
            throw new IllegalStateException(t); // publishAccessLine declares no checked exception
        }
    }

    /** Writes what is queued (bounded by {@code timeoutMillis}) and stops the writer. */
    void stop(long timeoutMillis) {
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
