package io.aisix.bench.load;

import static io.aisix.bench.load.RawHttp.line;
import static io.aisix.bench.load.RawHttp.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness's stream server: the testkit's OpenAI stream frames, byte for byte, as HTTP/1.1
 * chunks paced {@code deltaMs} apart, on keep-alive connections; a request that does not stream
 * gets a 400, one it cannot read loses its connection, and a client that leaves mid-stream does
 * not disturb the others.
 */
@Timeout(60)
class StreamMockTest {
    private static final int DELTAS = 8;
    private static final long DELTA_MS = 5;
    private static final Script SCRIPT = Script.reply(MockMain.text(DELTAS)).deltas(DELTAS);
    private StreamMock mock;

    @BeforeEach
    void start() throws IOException {
        mock = StreamMock.start(SCRIPT, DELTA_MS);
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    /** Reads one chunked answer: its status line, then the decoded body. */
    private static String[] answer(InputStream in) throws IOException {
        String status = line(in);
        boolean chunked = false;
        int length = 0;
        for (String h; !(h = line(in)).isEmpty(); ) {
            chunked |= h.equalsIgnoreCase("transfer-encoding: chunked");
            if (h.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (!chunked) {
            body.writeBytes(in.readNBytes(length));
        } else {
            for (int size; (size = Integer.parseInt(line(in), 16)) > 0; ) {
                body.writeBytes(in.readNBytes(size));
                assertEquals("", line(in));
            }
            assertEquals("", line(in));
        }
        return new String[] {status, body.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void streamsTheTestkitFramesPacedOnAKeptAliveConnection() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), mock.port())) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (boolean usage : List.of(false, true)) {
                long start = System.nanoTime();
                out.write(request("{\"model\":\"m-1\",\"stream\":true,\"stream_options\":{\"include_usage\":" + usage
                        + "},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
                String[] a = answer(in);
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals("HTTP/1.1 200 OK", a[0]);
                List<byte[]> frames = MockUpstream.openAiChatStreamFrames(SCRIPT, "m-1", usage);
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                frames.forEach(expected::writeBytes);
                // the same frames except the id (numbered per stream) and the creation second
                assertEquals(unstamped(expected.toString(StandardCharsets.UTF_8)), unstamped(a[1]));
                assertTrue(a[1].contains("\"usage\":{") == usage, a[1]);
                assertTrue(tookMs >= (frames.size() - 1) * DELTA_MS, "never early: " + tookMs + " ms");
            }
        }
        assertEquals(2, mock.streamsCompleted());
    }

    private static String unstamped(String frames) {
        return frames.replaceAll("chatcmpl-mock\\d+", "ID").replaceAll("\"created\":\\d+", "\"created\":0");
    }

    @Test
    void aRequestThatDoesNotStreamGetsA400AndGarbageLosesTheConnection() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), mock.port())) {
            s.getOutputStream().write(request("{\"model\":\"m\",\"messages\":[]}"));
            String[] a = answer(s.getInputStream());
            assertEquals("HTTP/1.1 400 Bad Request", a[0]);
            assertTrue(a[1].contains("only streams"), a[1]);

            s.getOutputStream().write(request("{not json"));
            assertEquals(-1, s.getInputStream().read(), "closed");
        }
    }

    @Test
    void aClientLeavingMidStreamDoesNotDisturbTheOthers() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), mock.port())) {
            s.getOutputStream().write(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
            assertEquals("HTTP/1.1 200 OK", line(s.getInputStream()));
        }
        ObjectNode r = StreamClient.run("127.0.0.1", mock.port(), "/v1/chat/completions", null, "gpt-4o-mini", 16, 1000,
                20_000);
        assertEquals(16, r.path("completed").asInt(), r.toString());
        assertEquals(16 * (DELTAS + 2), r.path("events").asInt(), "role, deltas and finish per stream: " + r);
        assertEquals(16, mock.streamsCompleted(), "the abandoned stream never completed");
    }

    @Test
    void aPipelinedRequestIsAnsweredAfterTheStreamBeforeIt() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), mock.port())) {
            byte[] one = request("{\"model\":\"a\",\"stream\":true,\"messages\":[]}");
            byte[] two = request("{\"model\":\"b\",\"stream\":true,\"messages\":[]}");
            byte[] both = java.util.Arrays.copyOf(one, one.length + two.length);
            System.arraycopy(two, 0, both, one.length, two.length);
            s.getOutputStream().write(both);
            assertTrue(answer(s.getInputStream())[1].contains("\"model\":\"a\""));
            assertTrue(answer(s.getInputStream())[1].contains("\"model\":\"b\""));
        }
        assertEquals(2, mock.streamsCompleted());
    }
}
