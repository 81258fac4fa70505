package io.aisix.kernel.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A streaming request over a raw socket, so a test can read the first event and then hang up the
 * way a client that goes away does ({@link #close()} closes the connection at once).
 */
public final class RawSse implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private int status;

    private RawSse(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    public static RawSse open(int port, String path, String key, String body, String... headers) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(15_000);
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder req = new StringBuilder()
                .append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Authorization: Bearer ").append(key).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(payload.length).append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        req.append("\r\n");
        OutputStream out = s.getOutputStream();
        out.write(req.toString().getBytes(StandardCharsets.UTF_8));
        out.write(payload);
        out.flush();
        RawSse r = new RawSse(s);
        String statusLine = r.in.readLine();
        r.status = statusLine == null ? 0 : Integer.parseInt(statusLine.split(" ")[1]);
        return r;
    }

    public int status() {
        return status;
    }

    /** Reads up to the first {@code data:} line and returns its payload. */
    public String firstData() throws IOException {
        return nextData();
    }

    /** Reads up to the next {@code data:} line and returns its payload. */
    public String nextData() throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            int at = line.indexOf("data: ");
            if (at >= 0) {
                return line.substring(at + 6);
            }
        }
        throw new IOException("the stream ended before any event");
    }

    /** Reads to the end of the stream ({@code data: [DONE]} or an error event) and returns the events read. */
    public int drain() throws IOException {
        int events = 0;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.contains("data: [DONE]") || line.contains("event: error")) {
                return events;
            }
            if (line.contains("data: ")) {
                events++;
            }
        }
        return events;
    }

    @Override
    public void close() throws IOException {
        socket.setSoLinger(true, 0); // reset at once, like a killed client
        socket.close();
    }
}
