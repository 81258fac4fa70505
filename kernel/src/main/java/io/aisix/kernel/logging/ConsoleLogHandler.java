package io.aisix.kernel.logging;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * The gateway's console handler: {@code System.err}, {@link LogLineFormatter}, every level (the
 * loggers' levels decide). Like {@link java.util.logging.ConsoleHandler} it flushes after each
 * record, except for the access log ({@value #ACCESS_LOGGER}): its writer thread publishes lines
 * in batches and flushes the handlers once per batch, so a busy gateway makes one write call per
 * batch instead of one per request.
 */
public final class ConsoleLogHandler extends StreamHandler {
    /** The access log's logger, whose writer flushes the handlers itself after each batch. */
    public static final String ACCESS_LOGGER = "aisix.access";

    public ConsoleLogHandler() {
        super(System.err, new LogLineFormatter());
        setLevel(Level.ALL);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        super.publish(record);
        if (!ACCESS_LOGGER.equals(record.getLoggerName())) {
            flush();
        }
    }

    /** Flushes; {@code System.err} stays open. */
    @Override
    public synchronized void close() {
        flush();
    }
}
