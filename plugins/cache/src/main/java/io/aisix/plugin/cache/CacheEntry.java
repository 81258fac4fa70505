package io.aisix.plugin.cache;

import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    }

    record Stream(List<SseEvent> events, Optional<Usage> usage) implements CacheEntry {
    }

    static byte[] encode(CacheEntry entry) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(entry instanceof Full f ? f.body().length + 32 : 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeShort(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(entry instanceof Full ? 'F' : 'S');
            Optional<Usage> u = entry.usage();
            out.writeBoolean(u.isPresent());
            out.writeLong(u.map(Usage::promptTokens).orElse(0L));
            out.writeLong(u.map(Usage::completionTokens).orElse(0L));
            switch (entry) {
                case Full f -> writeBytes(out, f.body());
                case Stream s -> {
                    out.writeInt(s.events().size());
                    for (SseEvent e : s.events()) {
                        writeBytes(out, e.event().getBytes(StandardCharsets.UTF_8));
                        writeBytes(out, e.data().getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
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

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("truncated");
        }
        return in.readNBytes(n);
    }
}
