package io.aisix.kernel.logging;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
 */
public final class ConsoleLogHandler extends Handler {
    /** The access log's logger, whose writer flushes the handlers itself after each batch. */
    public static final String ACCESS_LOGGER = "aisix.access";
    /** Buffered bytes are written out once they pass this, flush or not. */
    private static final int FLUSH_AT = 64 * 1024;

    private final PrintStream out;
    private final StringBuilder line = new StringBuilder(1024);
    private char[] chars = new char[1024];
    private byte[] bytes = new byte[FLUSH_AT + 4096];
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
     * Encodes as UTF-8: the builder's chars copied out in bulk into a reused array, then byte by
     * byte while they are ASCII (log lines nearly always are); {@code charAt} per char on the
     * builder checked its bounds and coder every time, for the ~1 KB of each access-log line.
     */
    private void append(StringBuilder text) {
        int n = text.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        text.getChars(0, n, chars, 0);
        ensure(n);
        byte[] out = bytes;
        int at = size;
        for (int i = 0; i < n; i++) {
            char c = chars[i];
            if (c >= 0x80) {
                size = at;
                byte[] utf8 = new String(chars, i, n - i).getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, bytes, size, utf8.length);
                size += utf8.length;
                return;
            }
            out[at++] = (byte) c;
        }
        size = at;
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
