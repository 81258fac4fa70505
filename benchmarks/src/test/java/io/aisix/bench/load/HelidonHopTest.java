package io.aisix.bench.load;

import static io.aisix.bench.load.RawHttp.line;
import static io.aisix.bench.load.RawHttp.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness's "helidon" reference hop: answers and streams of the mock pass through it
 * unchanged, on kept-alive caller connections, and a stream's events leave the hop as they arrive
 * rather than at the end.
 */
@Timeout(60)
class HelidonHopTest {
    private static final int DELTAS = 8;
    private static final long DELTA_MS = 50;
    private static final Script SCRIPT = Script.reply(MockMain.text(DELTAS)).deltas(DELTAS);
    private MockUpstream mock;
    private StreamMock streams;
    private HelidonHop hop;

    @BeforeEach
    void start() throws IOException {
        mock = MockUpstream.start().recordRequests(false).defaultScript(SCRIPT);
        streams = StreamMock.start(SCRIPT, DELTA_MS);
        hop = HelidonHop.start(mock.port(), streams.port());
    }

    @AfterEach
    void stop() {
        hop.close();
        streams.close();
        mock.close();
    }

    @Test
    void forwardsWholeAnswersOnAKeptAliveConnection() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), hop.port())) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 3; i++) {
                out.write(request("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i
                        + "\"}]}"));
                assertEquals("HTTP/1.1 200 OK", line(in));
                int length = -1;
                String type = "";
                for (String h; !(h = line(in)).isEmpty(); ) {
                    String lower = h.toLowerCase();
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    } else if (lower.startsWith("content-type:")) {
                        type = lower;
                    }
                }
                assertTrue(length > 0, "a whole answer keeps its length");
                assertTrue(type.contains("application/json"), type);
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                assertTrue(body.contains("\"object\":\"chat.completion\""), body);
                assertTrue(body.contains(MockMain.text(DELTAS).trim()), body);
            }
        }
    }

    @Test
    void passesEachStreamEventOnAsItArrives() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), hop.streamPort())) {
            s.getOutputStream().write(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
            InputStream in = s.getInputStream();
            assertEquals("HTTP/1.1 200 OK", line(in));
            boolean chunked = false;
            for (String h; !(h = line(in)).isEmpty(); ) {
                chunked |= h.equalsIgnoreCase("transfer-encoding: chunked");
            }
            assertTrue(chunked, "a stream has no length");
            // the mock writes its frames 50 ms apart: a hop that buffered would send them all at the end
            int size = Integer.parseInt(line(in), 16);
            String first = new String(in.readNBytes(size), StandardCharsets.UTF_8);
            assertTrue(first.startsWith("data: {"), first);
            assertFalse(first.contains("[DONE]"), "the first chunk is not the whole stream: " + first);
        }
    }

    @Test
    void completesConcurrentStreams() throws Exception {
        ObjectNode r = StreamClient.run("127.0.0.1", hop.streamPort(), "/v1/chat/completions", null, "gpt-4o-mini", 16,
                1000, 20_000);
        assertEquals(16, r.path("completed").asInt(), r.toString());
        assertEquals(16 * (DELTAS + 2), r.path("events").asInt(), "role, deltas and finish per stream: " + r);
        assertEquals(16, streams.streamsCompleted());
    }
}
