package io.aisix.kernel.logging;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * A formatter that writes one record into a caller's builder, so {@link ConsoleLogHandler} reuses
 * one builder for every line instead of a {@code String} per record.
 */
public abstract class LineFormatter extends Formatter {
    @Override
    public final String format(LogRecord record) {
        StringBuilder b = new StringBuilder(128);
        format(record, b);
        return b.toString();
    }

    /** Appends the record, line separator included, to {@code b}. */
    abstract void format(LogRecord record, StringBuilder b);

    /** The record's message with its parameters substituted. */
    final String message(LogRecord record) {
        // formatMessage only substitutes parameters or localises; without either the message is as it is
        if (record.getParameters() == null && record.getResourceBundle() == null) {
            return record.getMessage();
        }
        return formatMessage(record);
    }
}
