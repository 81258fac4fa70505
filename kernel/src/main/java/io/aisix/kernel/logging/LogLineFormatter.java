package io.aisix.kernel.logging;

import io.aisix.support.observe.UtcTime;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One line per record: {@code 2026-11-26T14:04:05.322Z INFO logger.name: message}, then the stack
 * trace of an attached exception on the following lines. Times are UTC with milliseconds.
 *
 * <p>The layout the gateway had with {@link java.util.logging.SimpleFormatter}, without
 * {@code String.format}: the access log formats a line per proxy request, and parsing the format
 * string and the date fields for each one cost a few microseconds of CPU per request; the time is
 * formatted by {@link UtcTime}, which formats date and time of day once per second.
 */
public final class LogLineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        StringBuilder b = new StringBuilder(128);
        format(record, b);
        return b.toString();
    }

    /** Appends the record's line (and trace) to {@code b}, line separator included. */
    void format(LogRecord record, StringBuilder b) {
        UtcTime.appendMillis(b, record.getInstant());
        b.append(' ').append(record.getLevel().getName()).append(' ').append(record.getLoggerName()).append(": ");
        // formatMessage only substitutes parameters or localises; without either the message is as it is
        if (record.getParameters() == null && record.getResourceBundle() == null) {
            b.append(record.getMessage());
        } else {
            b.append(formatMessage(record));
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            try (PrintWriter pw = new PrintWriter(trace)) {
                pw.println();
                record.getThrown().printStackTrace(pw);
            }
            b.append(trace);
        }
        b.append(System.lineSeparator());
    }
}
