package io.aisix.kernel.upstream;

import io.aisix.spi.provider.UpstreamRequest;
import java.util.Arrays;

/**
 * Encodes an HTTP/1.1 request line and header block. The client owns the framing, so
 * {@code Content-Length}, {@code Transfer-Encoding} and {@code Connection} given by a plugin are
 * replaced; {@code Host} is added unless the plugin set one. A plain-HTTP request to an egress
 * proxy carries the proxy's {@code Proxy-Authorization} (HTTPS ones say it in their tunnel's
 * {@code CONNECT} only, never to the upstream). A name or value that could split the
 * head (CR, LF, NUL; a name with a colon or blank) is refused with an
 * {@link IllegalArgumentException}.
 */
final class RequestHead {
    /** RFC 9110 token characters: visible ASCII except the delimiters. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '!'; c < 0x7F; c++) {
            TOKEN[c] = "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }

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
        String proxyAuthorization = endpoint.proxy() != null && !endpoint.https()
                ? endpoint.proxy().authorization() : null;
        if (proxyAuthorization != null) {
            h.field("proxy-authorization", proxyAuthorization);
        }
        request.headers().forEach((name, value) -> {
            switch (name) {
                case "content-length", "transfer-encoding", "connection" -> { }
                case "proxy-authorization" -> {
                    if (proxyAuthorization == null) {
                        h.field(name, value);
                    }
                }
                default -> h.field(name, value);
            }
        });
        if (request.streamBody().isPresent()) {
            long n = request.streamBody().get().length();
            if (n >= 0) {
                h.field("content-length", Long.toString(n));
            } else {
                h.field("transfer-encoding", "chunked");
            }
        } else if (request.body().length > 0 || !request.method().equals("GET") && !request.method().equals("HEAD")) {
            h.field("content-length", Integer.toString(request.body().length));
        }
        h.ascii("\r\n");
        return Arrays.copyOf(h.buf, h.len);
    }

    private void field(String name, String value) {
        token(name);
        ascii(": ");
        int n = value.length();
        room(n);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xFF) {
                throw new IllegalArgumentException("header " + name + " has a character not allowed in a header value");
            }
            buf[len++] = (byte) c;
        }
        ascii("\r\n");
    }

    private void token(String s) {
        int n = s.length();
        if (n == 0) {
            throw new IllegalArgumentException("empty header name or method");
        }
        room(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || !TOKEN[c]) {
                throw new IllegalArgumentException("'" + s + "' is not a valid HTTP token");
            }
            buf[len++] = (byte) c;
        }
    }

    private void ascii(String s) {
        int n = s.length();
        room(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) s.charAt(i);
        }
    }

    private void room(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
