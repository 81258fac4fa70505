package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.spi.Headers;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whole answers read with {@link UpstreamResponse#readAll()} hand their connection back to the
 * pool: a run of requests reuses one upstream connection, whether the answer declares its length
 * or is chunked. (Reading exactly Content-Length bytes without reaching the end of the entity
 * once made every request open a new connection.)
 */
@Timeout(30)
class UpstreamConnectionReuseTest {
    private static final byte[] BODY = "{\"id\":\"x\",\"object\":\"chat.completion\"}".getBytes(StandardCharsets.UTF_8);

    private ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean chunked;
    private HelidonUpstreamClient client;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofPlatform().daemon().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        client = new HelidonUpstreamClient(new GatewayConfig.Upstream(2000L, 5000L, 5000L, 0));
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    /** A keep-alive HTTP/1.1 server that answers every request with {@link #BODY}. */
    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                int length = 0;
                String line;
                boolean any = false;
                while (!(line = readLine(in)).isEmpty()) {
                    any = true;
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                if (!any) {
                    return;
                }
                in.readNBytes(length);
                String head = chunked
                        ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length + "\r\n\r\n";
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write(head.getBytes(StandardCharsets.US_ASCII));
                if (chunked) {
                    b.write((Integer.toHexString(BODY.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    b.write(BODY);
                    b.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } else {
                    b.write(BODY);
                }
                out.write(b.toByteArray());
                out.flush();
            }
        } catch (IOException e) {
            // the client closed the connection
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private byte[] call() {
        UpstreamRequest r = UpstreamRequest.postJson("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions",
                Headers.of("content-type", "application/json"), "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8),
                false);
        try (UpstreamResponse res = client.send(r)) {
            assertEquals(200, res.status());
            return res.readAll();
        }
    }

    @Test
    void answersWithContentLengthReuseOneConnection() {
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(BODY, call());
        }
        assertEquals(1, connections.get());
    }

    @Test
    void chunkedAnswersReuseOneConnection() {
        chunked = true;
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(BODY, call());
        }
        assertEquals(1, connections.get());
    }
}
