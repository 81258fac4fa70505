package io.aisix.plugin.cache;

import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One cached answer, as it was produced: either a complete {@code chat.completion} body or the
 * {@code chat.completion.chunk} events of a stream that ended cleanly. Replays convert between the
 * two when the request's {@code stream} flag differs ({@link StreamConversion}).
 *
 * <p>Stored as a small binary record (magic, version, kind, usage, payload) so values round-trip
 * byte for byte in any backend; a value that does not decode is treated as a miss.
 */
sealed interface CacheEntry {
    int MAGIC = 0xA15C;
    int VERSION = 1;

    /** Token usage the upstream reported when the entry was written, if known. */
    Optional<Usage> usage();

    record Full(byte[] body, Optional<Usage> usage) implements CacheEntry {
        /** The length of {@link #encode}'s record of this entry, without building it. */
        int encodedSize() {
            return HEAD_BYTES + 4 + body.length;
        }
    }

    record Stream(List<SseEvent> events, Optional<Usage> usage) implements CacheEntry {
    }

    /** The record's fixed head: magic, version, kind, usage flag, prompt and completion tokens. */
    int HEAD_BYTES = 2 + 1 + 1 + 1 + 8 + 8;

    /** Encodes into one array of exactly the record's size (streams are cached whole, often 10+ KB). */
    static byte[] encode(CacheEntry entry) {
        byte[][] parts = switch (entry) {
            case Full f -> new byte[][] {f.body()};
            case Stream s -> {
                byte[][] p = new byte[s.events().size() * 2][];
                int i = 0;
                for (SseEvent e : s.events()) {
                    p[i++] = e.event().getBytes(StandardCharsets.UTF_8);
                    p[i++] = e.data().getBytes(StandardCharsets.UTF_8);
                }
                yield p;
            }
        };
        int size = HEAD_BYTES + (entry instanceof Stream ? 4 : 0);
        for (byte[] part : parts) {
            size += 4 + part.length;
        }
        Optional<Usage> u = entry.usage();
        ByteBuffer out = ByteBuffer.allocate(size)
                .putShort((short) MAGIC).put((byte) VERSION).put((byte) (entry instanceof Full ? 'F' : 'S'))
                .put((byte) (u.isPresent() ? 1 : 0))
                .putLong(u.map(Usage::promptTokens).orElse(0L))
                .putLong(u.map(Usage::completionTokens).orElse(0L));
        if (entry instanceof Stream s) {
            out.putInt(s.events().size());
        }
        for (byte[] part : parts) {
            out.putInt(part.length).put(part);
        }
        return out.array();
    }

    /** The entry, or empty for a value this version cannot read. */
    static Optional<CacheEntry> decode(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            if (in.readUnsignedShort() != MAGIC || in.readUnsignedByte() != VERSION) {
                return Optional.empty();
            }
            int kind = in.readUnsignedByte();
            boolean hasUsage = in.readBoolean();
            long prompt = in.readLong();
            long completion = in.readLong();
            Optional<Usage> usage = hasUsage ? Optional.of(new Usage(prompt, completion)) : Optional.empty();
            if (kind == 'F') {
                return Optional.of(new Full(readBytes(in), usage));
            }
            if (kind == 'S') {
                int n = in.readInt();
                if (n < 0 || n > 1_000_000) {
                    return Optional.empty();
                }
                List<SseEvent> events = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    String event = new String(readBytes(in), StandardCharsets.UTF_8);
                    String data = new String(readBytes(in), StandardCharsets.UTF_8);
                    events.add(new SseEvent(event, data));
                }
                return Optional.of(new Stream(List.copyOf(events), usage));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("truncated");
        }
        return in.readNBytes(n);
    }
}
