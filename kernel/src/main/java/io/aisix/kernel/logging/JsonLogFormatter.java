package io.aisix.kernel.logging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.aisix.support.observe.UtcTime;
import java.util.logging.LogRecord;

/**
 * {@code logging.format: json}: one JSON object per line for every record,
 *
 * <pre>{@code
 * {"timestamp":"2026-11-26T14:04:05.322Z","level":"INFO","logger":"io.aisix.kernel.Gateway",
 *  "message":"...","request_id":"...","exception":"java.io.IOException: ...\n\tat ..."}
 * }</pre>
 *
 * {@code request_id} is there when the line was logged while serving a request
 * ({@link LogContext}); {@code exception} (the stack trace as text) when the record carries one.
 * Strings are escaped by Jackson as JSON requires (quote, backslash, control characters), so a
 * message with line breaks stays on one line.
 *
 * <p>Access-log lines ({@value ConsoleLogHandler#ACCESS_LOGGER}) carry a JSON object as their
 * message; its fields are written as fields of the line (after {@code timestamp}, {@code level},
 * {@code logger}), not as an escaped string, so a log pipeline reads {@code status} or
 * {@code latency_ms} directly. A message on that logger that is not an object is written as
 * {@code message} like any other.
 */
public final class JsonLogFormatter extends LineFormatter {
    @Override
    void format(LogRecord record, StringBuilder b) {
        b.append("{\"timestamp\":\"");
        UtcTime.appendMillis(b, record.getInstant());
        b.append('"');
        field(b, "level", record.getLevel().getName());
        field(b, "logger", record.getLoggerName());
        String message = message(record);
        if (ConsoleLogHandler.ACCESS_LOGGER.equals(record.getLoggerName()) && isObject(message)) {
            String inner = message.substring(1, message.length() - 1).strip();
            if (!inner.isEmpty()) {
                b.append(',').append(inner);
            }
        } else {
            field(b, "message", message);
            field(b, "request_id", LogContext.requestId());
        }
        if (record.getThrown() != null) {
            field(b, "exception", LogLineFormatter.stackTrace(record.getThrown()).stripTrailing());
        }
        b.append('}').append(System.lineSeparator());
    }

    /** The access log's message: one JSON object on one line (what it writes, never caller text). */
    static boolean isObject(CharSequence message) {
        return message != null && message.length() >= 2 && message.charAt(0) == '{'
                && message.charAt(message.length() - 1) == '}' && indexOf(message, "\n") < 0 && indexOf(message, "\r") < 0;
    }

    private static int indexOf(CharSequence s, String what) {
        return s instanceof StringBuilder b ? b.indexOf(what) : s.toString().indexOf(what);
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        b.append(",\"").append(name).append("\":\"");
        JsonStringEncoder.getInstance().quoteAsString(value, b);
        b.append('"');
    }
}
