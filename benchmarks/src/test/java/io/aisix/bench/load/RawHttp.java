package io.aisix.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 by hand for the harness's server tests: a chat request, and one line of an answer. */
final class RawHttp {
    private RawHttp() {
    }

    /** {@code POST /v1/chat/completions} with {@code body} as JSON, framed by its length. */
    static byte[] request(String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /** The next line without its CR LF; an {@link IOException} when the connection ends first. */
    static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
