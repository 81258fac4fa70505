package io.aisix.kernel.warmup;

import io.aisix.kernel.logging.ConsoleLogHandler;
import io.aisix.kernel.logging.LineFormatter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageStats;
import io.aisix.support.observe.UsageEventJson;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The shadow chain's {@link UsageStats}: records every warm-up request into the shadow's own
 * statistics, and rehearses its access-log line: the event as {@link UsageEventJson} writes it for
 * the access log (the observe plugin's own copy of that class: every plugin folder bundles the
 * support library in its own class loader, so the kernel's copy is other code to the JIT; see
 * {@link #accessLogJson}), and that line as a record formatted by the gateway's own line formatters of the
 * handlers the access log reaches, the way the access log's writer and the console handler do it,
 * so that this code is compiled before the first callers' lines are written. Nothing is published:
 * the formatted text is dropped, no handler is called to publish or flush, and no access-log line
 * appears.
 *
 * <p>Only the gateway's {@link LineFormatter}s are asked; a formatter of an operator's own handler
 * may count or keep what it formats, so it is left alone. Runs on the warm-up's request threads,
 * where the observe plugin hands events to the statistics.
 */
final class AccessLogRehearsal implements UsageStats {
    private static final Logger LOG = Logger.getLogger(AccessLogRehearsal.class.getName());
    private static final Logger ACCESS = Logger.getLogger(ConsoleLogHandler.ACCESS_LOGGER);
    /** The source the access log's writer gives its records (no stack walk). */
    private static final String SOURCE_CLASS = "io.aisix.plugin.observe.AccessLog";

    /** The support library's class and method the access log writes its lines with. */
    private static final String JSON_CLASS = UsageEventJson.class.getName();

    private final UsageStats stats;
    private final BiConsumer<UsageEvent, StringBuilder> json;
    private final Logger access;
    private final AtomicInteger formatted = new AtomicInteger();

    /**
     * @param stats  the shadow's own statistics
     * @param json   appends an event as the access log writes it ({@link #accessLogJson})
     * @param access the access log's logger, whose handlers' formatters are asked (tests pass another)
     */
    AccessLogRehearsal(UsageStats stats, BiConsumer<UsageEvent, StringBuilder> json, Logger access) {
        this.stats = stats;
        this.json = json;
        this.access = access;
    }

    AccessLogRehearsal(UsageStats stats, BiConsumer<UsageEvent, StringBuilder> json) {
        this(stats, json, ACCESS);
    }

    /**
     * {@code UsageEventJson.append(event, false, line)} as the class loader {@code loader} (the
     * observe plugin's) has it, which is the copy the access log's writer runs; the kernel's own
     * copy when that loader has none.
     */
    static BiConsumer<UsageEvent, StringBuilder> accessLogJson(ClassLoader loader) {
        MethodHandle append;
        try {
            Class<?> c = Class.forName(JSON_CLASS, true, loader);
            append = MethodHandles.publicLookup().findStatic(c, "append",
                    MethodType.methodType(void.class, UsageEvent.class, boolean.class, StringBuilder.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.log(Level.FINE, "warm-up: the kernel's " + JSON_CLASS + " stands in for the access log's", e);
            return (event, line) -> UsageEventJson.append(event, false, line);
        }
        return (event, line) -> {
            try {
                append.invokeExact(event, false, line);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t); // append declares no checked exception
            }
        };
    }

    /** Lines formatted so far, by all formatters (for tests). */
    int formatted() {
        return formatted.get();
    }

    @Override
    public void record(UsageEvent event) {
        stats.record(event);
        try {
            StringBuilder line = new StringBuilder(1024);
            json.accept(event, line);
            if (!access.isLoggable(Level.INFO)) {
                return;
            }
            LogRecord r = new LogRecord(Level.INFO, line.toString());
            r.setSourceClassName(SOURCE_CLASS);
            r.setSourceMethodName("write");
            r.setLoggerName(ConsoleLogHandler.ACCESS_LOGGER);
            for (Logger l = access; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
                for (Handler h : l.getHandlers()) {
                    if (h.getFormatter() instanceof LineFormatter f) {
                        f.format(r); // dropped
                        formatted.incrementAndGet();
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "warm-up: an access-log line could not be formatted", e);
        }
    }
}
