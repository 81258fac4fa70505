package io.aisix.support.provider;

import io.aisix.spi.SseEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Decodes a {@code text/event-stream} body into events as they arrive (W3C SSE framing:
 * {@code event:} and {@code data:} fields, multi-line data joined with {@code \n}, comments
 * skipped, an empty line ends an event; lines end with CR LF, LF or CR).
 *
 * <p>Lines are cut from a byte buffer and decoded one by one (UTF-8, malformed bytes replaced):
 * a line break never falls inside a UTF-8 sequence. The buffer starts at {@value #INITIAL} bytes
 * and grows only for longer lines, up to {@value #MAX_LINE} bytes, beyond which the stream fails.
 * A reader and decoder pair held 24 KiB per stream (16 KiB of chars, 8 KiB of bytes), which
 * with hundreds of concurrent streams was a good part of the gateway's heap.
 */
public final class SseReader implements AutoCloseable {
    static final int INITIAL = 2048;
    static final int MAX_LINE = 8 << 20;

    private final InputStream in;
    private byte[] buf = new byte[INITIAL];
    private int pos;
    private int lim;
    private boolean skipLineFeed;
    private boolean eof;

    public SseReader(InputStream in) {
        this.in = in;
    }

    /** The next event, or empty at end of input. */
    public Optional<SseEvent> next() {
        String event = "";
        StringBuilder data = null;
        try {
            String line;
            while ((line = readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        return Optional.of(new SseEvent(event, data.toString()));
                    }
                    event = "";
                    continue;
                }
                if (line.charAt(0) == ':') {
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (!value.isEmpty() && value.charAt(0) == ' ') {
                    value = value.substring(1);
                }
                if (field.equals("data")) {
                    if (data == null) {
                        data = new StringBuilder(value);
                    } else {
                        data.append('\n').append(value);
                    }
                } else if (field.equals("event")) {
                    event = value;
                }
            }
            return data == null ? Optional.empty() : Optional.of(new SseEvent(event, data.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next line without its terminator, or null at end of input. */
    private String readLine() throws IOException {
        int done = 0; // bytes after pos known to hold no line break (fill keeps them after pos)
        while (true) {
            if (skipLineFeed && pos < lim) {
                skipLineFeed = false; // the LF of a CR LF that arrived in two reads
                if (buf[pos] == '\n') {
                    pos++;
                }
            }
            for (int i = pos + done; i < lim; i++) {
                byte b = buf[i];
                if (b == '\n' || b == '\r') {
                    String line = new String(buf, pos, i - pos, StandardCharsets.UTF_8);
                    pos = i + 1;
                    skipLineFeed = b == '\r';
                    return line;
                }
            }
            done = lim - pos;
            if (eof) {
                if (pos == lim) {
                    return null;
                }
                String last = new String(buf, pos, lim - pos, StandardCharsets.UTF_8);
                pos = lim;
                return last;
            }
            fill();
        }
    }

    /** Reads more input after compacting the buffer, growing it when a line fills it. */
    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (lim == buf.length) {
            if (buf.length >= MAX_LINE) {
                throw new IOException("upstream event stream line longer than " + MAX_LINE + " bytes");
            }
            buf = Arrays.copyOf(buf, Math.min(MAX_LINE, buf.length * 2));
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
        } else {
            lim += n;
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing an aborted upstream body may fail; nothing is left to release
        }
    }
}
