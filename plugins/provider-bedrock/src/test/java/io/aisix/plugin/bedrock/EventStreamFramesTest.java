package io.aisix.plugin.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.SseEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

class EventStreamFramesTest {

    static byte[] frame(String messageType, String typeHeader, String type, String payload) {
        Map<String, HeaderValue> h = new LinkedHashMap<>();
        h.put(":message-type", HeaderValue.fromString(messageType));
        h.put(typeHeader, HeaderValue.fromString(type));
        h.put(":content-type", HeaderValue.fromString("application/json"));
        ByteBuffer b = new Message(h, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static long crc(byte[] bytes, int from, int to) {
        CRC32 c = new CRC32();
        c.update(bytes, from, to - from);
        return c.getValue();
    }

    /** An input stream that hands out one byte per read, so frames arrive split at every offset. */
    static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
    }

    @Test
    void theFrameLayoutIsAwsEventStream() {
        byte[] f = frame("event", ":event-type", "messageStart", "{\"role\":\"assistant\"}");
        ByteBuffer b = ByteBuffer.wrap(f);
        assertEquals(f.length, b.getInt(0), "total length");
        int headers = b.getInt(4);
        assertEquals(crc(f, 0, 8), b.getInt(8) & 0xffffffffL, "prelude CRC32");
        assertEquals(crc(f, 0, f.length - 4), b.getInt(f.length - 4) & 0xffffffffL, "message CRC32");
        assertEquals("{\"role\":\"assistant\"}", new String(f, 12 + headers, f.length - 16 - headers, StandardCharsets.UTF_8));
    }

    @Test
    void decodesFramesSplitAcrossReads() throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(frame("event", ":event-type", "messageStart", "{\"role\":\"assistant\"}"));
        all.write(frame("event", ":event-type", "contentBlockDelta", "{\"delta\":{\"text\":\"héllo\"}}"));
        all.write(frame("exception", ":exception-type", "throttlingException", "{\"message\":\"slow down\"}"));
        EventStreamFrames frames = new EventStreamFrames(trickle(all.toByteArray()));
        assertEquals(new SseEvent("messageStart", "{\"role\":\"assistant\"}"), frames.get().orElseThrow());
        assertEquals(new SseEvent("contentBlockDelta", "{\"delta\":{\"text\":\"héllo\"}}"), frames.get().orElseThrow());
        assertEquals(new SseEvent("exception:throttlingException", "{\"message\":\"slow down\"}"),
                frames.get().orElseThrow());
        assertEquals(Optional.empty(), frames.get());
    }

    @Test
    void aCorruptFrameFailsTheRead() {
        byte[] f = frame("event", ":event-type", "contentBlockDelta", "{\"delta\":{\"text\":\"x\"}}");
        f[f.length - 6] ^= 0x20; // a payload byte: the message CRC no longer matches
        EventStreamFrames frames = new EventStreamFrames(new ByteArrayInputStream(f));
        RuntimeException e = assertThrows(RuntimeException.class, frames::get);
        assertTrue(e.getMessage().toLowerCase().contains("crc") || e.getMessage().toLowerCase().contains("checksum"),
                e.getMessage());

        byte[] g = frame("event", ":event-type", "messageStop", "{}");
        g[2] ^= 0x01; // the total length: the prelude CRC no longer matches
        assertThrows(RuntimeException.class, new EventStreamFrames(new ByteArrayInputStream(g))::get);
    }
}
