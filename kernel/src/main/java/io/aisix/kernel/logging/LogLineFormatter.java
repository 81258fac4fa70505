package io.aisix.kernel.logging;

import io.aisix.support.observe.UtcTime;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.LogRecord;

/**
 * {@code logging.format: text} (the default): one line per record,
 * {@code 2026-11-26T14:04:05.322Z INFO logger.name: message}, then the stack trace of an attached
 * exception on the following lines. Times are UTC with milliseconds.
 *
 * <p>The layout the gateway had with {@link java.util.logging.SimpleFormatter}, without
 * {@code String.format}: the access log formats a line per proxy request, and parsing the format
 * string and the date fields for each one cost a few microseconds of CPU per request; the time is
 * formatted by {@link UtcTime}, which formats date and time of day once per second.
 */
public final class LogLineFormatter extends LineFormatter {
    @Override
    void format(LogRecord record, StringBuilder b) {
        UtcTime.appendMillis(b, record.getInstant());
        b.append(' ').append(record.getLevel().getName()).append(' ').append(record.getLoggerName()).append(": ");
        b.append(message(record));
        if (record.getThrown() != null) {
            b.append(System.lineSeparator()).append(stackTrace(record.getThrown()));
        }
        b.append(System.lineSeparator());
    }

    /** The throwable's stack trace as {@link Throwable#printStackTrace()} prints it. */
    static String stackTrace(Throwable t) {
        StringWriter trace = new StringWriter();
        try (PrintWriter pw = new PrintWriter(trace)) {
            t.printStackTrace(pw);
        }
        return trace.toString();
    }
}
