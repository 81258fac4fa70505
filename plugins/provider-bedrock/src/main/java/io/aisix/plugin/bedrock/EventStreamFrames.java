package io.aisix.plugin.bedrock;

import io.aisix.spi.SseEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Decodes AWS's binary event stream ({@code application/vnd.amazon.eventstream}) as it arrives,
 * with the SDK's decoder (prelude and message CRC32 checked: a corrupt frame fails the read), into
 * events named as the stream names them: {@code :event-type} for events ({@code messageStart},
 * {@code contentBlockDelta}, ...), {@code exception:<:exception-type>} for modeled exceptions and
 * {@code error:<:error-code>} for errors; the data is the frame's payload (JSON) as text.
 */
final class EventStreamFrames implements Supplier<Optional<SseEvent>> {
    static final String CONTENT_TYPE = "application/vnd.amazon.eventstream";

    private final InputStream in;
    private final MessageDecoder decoder = new MessageDecoder();
    private final ArrayDeque<Message> ready = new ArrayDeque<>(4);
    private final byte[] buf = new byte[8192];
    private boolean eof;

    EventStreamFrames(InputStream in) {
        this.in = in;
    }

    @Override
    public Optional<SseEvent> get() {
        while (ready.isEmpty()) {
            if (eof) {
                return Optional.empty();
            }
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (n < 0) {
                eof = true;
            } else if (n > 0) {
                decoder.feed(buf, 0, n);
                ready.addAll(decoder.getDecodedMessages());
            }
        }
        return Optional.of(event(ready.poll()));
    }

    static SseEvent event(Message m) {
        String type = header(m, ":message-type");
        String payload = new String(m.getPayload(), StandardCharsets.UTF_8);
        return switch (type) {
            case "exception" -> new SseEvent("exception:" + header(m, ":exception-type"), payload);
            case "error" -> new SseEvent("error:" + header(m, ":error-code"), header(m, ":error-message"));
            default -> new SseEvent(header(m, ":event-type"), payload);
        };
    }

    private static String header(Message m, String name) {
        HeaderValue v = m.getHeaders().get(name);
        return v == null ? "" : v.getString();
    }
}
