package io.aisix.kernel.upstream;

import io.aisix.spi.provider.UpstreamRequest;
import java.util.Arrays;

/**
 * Encodes an HTTP/1.1 request line and header block. The client owns the framing, so
 * {@code Content-Length}, {@code Transfer-Encoding} and {@code Connection} given by a plugin are
 * replaced; {@code Host} is added unless the plugin set one. A name or value that could split the
 * head (CR, LF, NUL; a name with a colon or blank) is refused with an
 * {@link IllegalArgumentException}.
 */
final class RequestHead {
    private byte[] buf = new byte[512];
    private int len;

    private RequestHead() {
    }

    static byte[] encode(UpstreamRequest request, Http1UpstreamClient.Endpoint endpoint) {
        RequestHead h = new RequestHead();
        h.token(request.method());
        h.ascii(" ");
        h.ascii(endpoint.target());
        h.ascii(" HTTP/1.1\r\n");
        if (!request.headers().contains("host")) {
            h.field("host", endpoint.hostHeader());
        }
        request.headers().forEach((name, value) -> {
            switch (name) {
                case "content-length", "transfer-encoding", "connection" -> { }
                default -> h.field(name, value);
            }
        });
        if (request.body().length > 0 || !request.method().equals("GET") && !request.method().equals("HEAD")) {
            h.field("content-length", Integer.toString(request.body().length));
        }
        h.ascii("\r\n");
        return Arrays.copyOf(h.buf, h.len);
    }

    private void field(String name, String value) {
        token(name);
        ascii(": ");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xFF) {
                throw new IllegalArgumentException("header " + name + " has a character not allowed in a header value");
            }
            put(c);
        }
        ascii("\r\n");
    }

    private void token(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty header name or method");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == ':' || c == '(' || c == ')' || c == '"' || c == '/' || c == '['
                    || c == ']' || c == '?' || c == '=' || c == '{' || c == '}' || c == ',' || c == ';' || c == '<'
                    || c == '>' || c == '@' || c == '\\') {
                throw new IllegalArgumentException("'" + s + "' is not a valid HTTP token");
            }
            put(c);
        }
    }

    private void ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            put(s.charAt(i));
        }
    }

    private void put(char c) {
        if (len == buf.length) {
            buf = Arrays.copyOf(buf, len * 2);
        }
        buf[len++] = (byte) c;
    }
}
