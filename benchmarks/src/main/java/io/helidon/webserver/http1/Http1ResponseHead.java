package io.helidon.webserver.http1;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

/**
 * Benchmark access to Helidon 4.5.0's HTTP/1 response head (package-private in
 * {@link Http1ServerResponse}): what {@code send(byte[])} does with the headers and the body of a
 * full answer, without a connection. Kept in Helidon's package in the shaded benchmarks jar only.
 */
public final class Http1ResponseHead {
    private Http1ResponseHead() {
    }

    /**
     * The one buffer {@code Http1ServerResponse.send(byte[])} writes to the socket: its
     * {@code responseBuffer} (content length unless chunked, a growing buffer of 256 bytes plus the
     * body, the head, the body), with keep-alive and the gateway's listener settings (the
     * {@code Connection} header sent, response headers not validated).
     */
    public static BufferData responseBuffer(ServerResponseHeaders headers, Status status, byte[] body) {
        if (!headers.contains(HeaderNames.CONTENT_LENGTH)) {
            headers.contentLength(body.length);
        }
        BufferData buffer = BufferData.growing(256 + body.length);
        Http1ServerResponse.nonEntityBytes(headers, status, buffer, true, true, false);
        buffer.write(body, 0, body.length);
        return buffer;
    }
}
