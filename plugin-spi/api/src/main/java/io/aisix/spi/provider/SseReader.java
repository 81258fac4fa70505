package io.aisix.spi.provider;

import io.aisix.spi.SseEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Decodes a {@code text/event-stream} body into events as they arrive (W3C SSE framing:
 * {@code event:} and {@code data:} fields, multi-line data joined with {@code \n}, comments
 * skipped, an empty line ends an event).
 */
public final class SseReader implements AutoCloseable {
    private final BufferedReader reader;

    public SseReader(InputStream in) {
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 8192);
    }

    /** The next event, or empty at end of input. */
    public Optional<SseEvent> next() {
        String event = "";
        StringBuilder data = null;
        try {
            String line;
            while ((line = reader.readLine()) != null) {
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

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException ignored) {
            // closing an aborted upstream body may fail; nothing is left to release
        }
    }
}
