package io.aisix.support.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.SseEvent;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SseReaderTest {
    /** Hands out at most {@code step} bytes per read, so every boundary lands somewhere. */
    private static InputStream trickle(byte[] bytes, int step) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static List<SseEvent> events(String text, int step) {
        List<SseEvent> out = new ArrayList<>();
        try (SseReader r = new SseReader(trickle(text.getBytes(StandardCharsets.UTF_8), step))) {
            for (Optional<SseEvent> e = r.next(); e.isPresent(); e = r.next()) {
                out.add(e.get());
            }
        }
        return out;
    }

    @Test
    void framesEventsWhateverTheLineEndsAndReadSizes() {
        String text = ": comment\r\n"
                + "event: delta\r\ndata: {\"a\":\"grüße 😀\"}\r\n\r\n"
                + "data: line one\ndata: line two\n\n"
                + "data:no space\r\rid: 7\nretry: 10\ndata: after a CR\n\n"
                + "data: [DONE]"; // the last event without its blank line
        List<SseEvent> expected = List.of(new SseEvent("delta", "{\"a\":\"grüße 😀\"}"),
                new SseEvent("", "line one\nline two"), new SseEvent("", "no space"),
                new SseEvent("", "after a CR"), new SseEvent("", "[DONE]"));
        for (int step : new int[] {1, 2, 3, 7, 64, 100_000}) {
            assertEquals(expected, events(text, step), "reads of " + step + " bytes");
        }
    }

    @Test
    void aLineLongerThanTheBufferGrowsIt() {
        String big = "x".repeat(SseReader.INITIAL * 5 + 3);
        assertEquals(List.of(new SseEvent("", big), new SseEvent("", "small")),
                events("data: " + big + "\n\ndata: small\n\n", 1000));
    }

    @Test
    void anEndlessLineFailsInsteadOfFillingTheHeap() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'x');
                return len;
            }
        };
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new SseReader(endless).next());
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    @Test
    void emptyInputHasNoEvents() {
        assertEquals(List.of(), events("", 10));
        assertEquals(List.of(), events(": only a comment\n\n\n", 10));
    }
}
