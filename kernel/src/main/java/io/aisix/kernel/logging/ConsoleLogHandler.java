package io.aisix.kernel.logging;

import io.aisix.support.observe.UtcTime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The gateway's console handler: {@code System.err} (as it was when the handler was made),
 * {@link LogLineFormatter} ({@link JsonLogFormatter} with {@code logging.format: json}), UTF-8, every level (the loggers' levels decide). Like
 * {@link java.util.logging.ConsoleHandler} it writes each record at once, except for the access
 * log ({@value #ACCESS_LOGGER}): its writer thread publishes lines in batches and flushes the
 * handlers once per batch, so a busy gateway makes one write call per batch instead of one per
 * request.
 *
 * <p>Lines are formatted into one reused builder and encoded into one reused byte buffer: the
 * {@link java.util.logging.StreamHandler} path made a formatted {@code String}, a {@code char[]}
 * copy of it and an encoder pass per line, a tenth of a proxied request's allocation.
 *
 * <p>The access log's writer hands its lines to {@link #publishAccessLine} when this handler is the
 * only one its lines reach: the same bytes as {@link #publish} of the record it would have logged,
 * without the record, the message's {@code String} and the formatter's copy of it.
 */
public final class ConsoleLogHandler extends Handler {
    /** The access log's logger, whose writer flushes the handlers itself after each batch. */
    public static final String ACCESS_LOGGER = "aisix.access";
    /** Buffered bytes are written out once they pass this, flush or not. */
    private static final int FLUSH_AT = 64 * 1024;

    /** {@link LogLineFormatter}'s text after the time, for an access-log line. */
    private static final String TEXT_ACCESS_HEAD = " " + Level.INFO.getName() + " " + ACCESS_LOGGER + ": ";
    /** {@link JsonLogFormatter}'s fields after the time, for an access-log line. */
    private static final String JSON_ACCESS_HEAD =
            "\",\"level\":\"" + Level.INFO.getName() + "\",\"logger\":\"" + ACCESS_LOGGER + "\"";

    private static final byte[] COMMA = {','};
    private static final byte[] CLOSE = {'}'};
    private static final byte[] NEWLINE = System.lineSeparator().getBytes(StandardCharsets.UTF_8);

    private final PrintStream out;
    private final StringBuilder line = new StringBuilder(1024);
    /** Finds how much of a line is ASCII with the JDK's vectorised loop, copying it as it goes. */
    private final CharsetEncoder ascii = StandardCharsets.US_ASCII.newEncoder();
    /** The access-log head ({@link #head}) of the millisecond {@link #headMillis}, JSON or text. */
    private byte[] head = new byte[0];
    private long headMillis = Long.MIN_VALUE;
    private boolean headJson;
    private char[] chars = new char[1024];
    private byte[] bytes = new byte[FLUSH_AT + 4096];
    /** {@link #chars} and {@link #bytes} as buffers for {@link #ascii}, made again when the arrays are. */
    private CharBuffer charView = CharBuffer.wrap(chars);
    private ByteBuffer byteView = ByteBuffer.wrap(bytes);
    private int size;

    public ConsoleLogHandler() {
        this.out = System.err;
        setFormatter(new LogLineFormatter());
        setLevel(Level.ALL);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        try {
            line.setLength(0);
            Formatter f = getFormatter();
            if (f instanceof LineFormatter own) {
                own.format(record, line);
            } else {
                line.append(f.format(record));
            }
            append(line);
        } catch (RuntimeException e) {
            reportError(null, e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        if (size >= FLUSH_AT || !ACCESS_LOGGER.equals(record.getLoggerName())) {
            flush();
        }
    }

    /**
     * Publishes an access-log line, {@code message} being the JSON object the access log's writer
     * logs at {@link Level#INFO} on {@value #ACCESS_LOGGER}, as {@link #publish} writes the record
     * of that message made now, byte for byte; held until the writer's {@link #flush} like those.
     * It does so only where that takes no record: this handler has no filter, lets INFO through,
     * and formats with the gateway's own {@link LogLineFormatter} or {@link JsonLogFormatter} (and
     * for the latter the message is a one-line object). Otherwise it writes nothing and answers
     * false, and the caller logs the record. The caller makes sure its logger would publish the
     * record (level, filter, no resource bundle) to this handler and to no other.
     */
    public boolean publishAccessLine(StringBuilder message) {
        return publishAccessLine(message, System.currentTimeMillis()); // the millisecond a record made now would carry
    }

    /** {@link #publishAccessLine(StringBuilder)} as a record made at {@code millis} (tests). */
    synchronized boolean publishAccessLine(StringBuilder message, long millis) {
        if (getFilter() != null) {
            return false;
        }
        int level = getLevel().intValue();
        if (Level.INFO.intValue() < level || level == Level.OFF.intValue()) {
            return false;
        }
        Formatter f = getFormatter();
        boolean json;
        if (f instanceof LogLineFormatter) {
            json = false;
        } else if (f instanceof JsonLogFormatter) {
            json = true;
        } else {
            return false;
        }
        int n = message.length();
        int from = 0;
        int to = n;
        if (json) {
            if (!JsonLogFormatter.isObject(message)) {
                return false; // written as "message" like any other
            }
            from = 1; // the object's fields become the line's: what JsonLogFormatter does with strip()
            to = n - 1;
            while (from < to && Character.isWhitespace(message.charAt(from))) {
                from++;
            }
            while (to > from && Character.isWhitespace(message.charAt(to - 1))) {
                to--;
            }
        }
        int start = size;
        try {
            append(head(millis, json));
            if (json) {
                if (from < to) {
                    append(COMMA);
                    append(message, from, to);
                }
                append(CLOSE);
            } else {
                append(message, 0, n);
            }
            append(NEWLINE);
        } catch (RuntimeException e) {
            size = start;
            reportError(null, e, ErrorManager.FORMAT_FAILURE);
            return true; // as publish: the line is lost, not logged twice
        }
        if (size >= FLUSH_AT) {
            flush();
        }
        return true;
    }

    /**
     * What the formatter writes before an access-log line's message at {@code millis}: the time,
     * level and logger; made again when the millisecond changes, not per line.
     */
    private byte[] head(long millis, boolean json) {
        if (millis != headMillis || json != headJson) {
            StringBuilder b = new StringBuilder(80);
            if (json) {
                b.append("{\"timestamp\":\"");
            }
            UtcTime.appendMillis(b, Instant.ofEpochMilli(millis));
            b.append(json ? JSON_ACCESS_HEAD : TEXT_ACCESS_HEAD);
            head = b.toString().getBytes(StandardCharsets.UTF_8);
            headMillis = millis;
            headJson = json;
        }
        return head;
    }

    private void append(StringBuilder text) {
        append(text, 0, text.length());
    }

    private void append(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    /**
     * Encodes {@code text[from, to)} as UTF-8: its chars copied out in bulk into a reused array,
     * then its ASCII run (log lines nearly always are ASCII throughout) by the JDK's ASCII encoder,
     * whose loop is vectorised; from the first other char on, by {@link String#getBytes}.
     * {@code charAt} per char on the builder checked its bounds and coder every time, for the ~1 KB
     * of each access-log line, and a loop of our own over the chars copied one byte at a time.
     */
    private void append(StringBuilder text, int from, int to) {
        int n = to - from;
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        text.getChars(from, to, chars, 0);
        ensure(n);
        CharBuffer in = charView.array() == chars ? charView.clear() : (charView = CharBuffer.wrap(chars));
        in.limit(n);
        ByteBuffer out = byteView.array() == bytes ? byteView.clear() : (byteView = ByteBuffer.wrap(bytes));
        out.position(size).limit(size + n);
        ascii.reset();
        ascii.encode(in, out, true); // stops at the first char that is not ASCII
        size = out.position();
        int i = in.position();
        if (i < n) {
            byte[] utf8 = new String(chars, i, n - i).getBytes(StandardCharsets.UTF_8);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, bytes, size, utf8.length);
            size += utf8.length;
        }
    }

    private void ensure(int more) {
        if (bytes.length - size < more) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    @Override
    public synchronized void flush() {
        if (size == 0) {
            return;
        }
        out.write(bytes, 0, size);
        out.flush();
        if (out.checkError()) {
            reportError(null, new IOException("standard error could not be written"), ErrorManager.WRITE_FAILURE);
        }
        size = 0;
        if (bytes.length > FLUSH_AT + 4096) {
            bytes = new byte[FLUSH_AT + 4096]; // one very long line does not keep its buffer
        }
        if (chars.length > FLUSH_AT) {
            chars = new char[1024];
        }
    }

    /** Flushes; {@code System.err} stays open. */
    @Override
    public synchronized void close() {
        flush();
    }
}
