package io.aisix.kernel.warmup;

import io.aisix.kernel.logging.ConsoleLogHandler;
import io.aisix.kernel.logging.LineFormatter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageStats;
import io.aisix.support.observe.UsageEventJson;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The shadow chain's {@link UsageStats}: records every warm-up request into the shadow's own
 * statistics, and rehearses its access-log line: the event as {@link UsageEventJson} writes it for
 * the access log, and that line as a record formatted by the gateway's own line formatters of the
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

    private final UsageStats stats;
    private final Logger access;
    private final AtomicInteger formatted = new AtomicInteger();

    AccessLogRehearsal(UsageStats stats) {
        this(stats, ACCESS);
    }

    /** @param access the access log's logger, whose handlers' formatters are asked (tests pass another) */
    AccessLogRehearsal(UsageStats stats, Logger access) {
        this.stats = stats;
        this.access = access;
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
            UsageEventJson.append(event, false, line);
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
