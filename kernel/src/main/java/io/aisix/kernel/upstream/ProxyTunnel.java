package io.aisix.kernel.upstream;

import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Opens a {@code CONNECT} tunnel through an {@link EgressProxy} on a connected socket: after it
 * returns, the socket carries bytes to and from the upstream, ready for the TLS handshake.
 */
final class ProxyTunnel {
    private static final int MAX_HEAD = 16 * 1024;

    private ProxyTunnel() {
    }

    /**
     * Asks the proxy for a tunnel to {@code host:port} and reads its answer head. A non-2xx answer
     * is an {@code UPSTREAM_ERROR} naming the status (407: the proxy wants other credentials);
     * transport failures are thrown as they are.
     */
    static void open(Socket socket, EgressProxy proxy, String host, int port) throws IOException {
        String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        StringBuilder head = new StringBuilder(128).append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ")
                .append(authority).append("\r\n");
        if (proxy.authorization() != null) {
            head.append("Proxy-Authorization: ").append(proxy.authorization()).append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String statusLine = readHead(socket.getInputStream());
        int status;
        try {
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                throw new NumberFormatException();
            }
            status = Integer.parseInt(statusLine, 9, 12, 10);
        } catch (NumberFormatException e) {
            throw new ProtocolException("malformed egress proxy status line");
        }
        if (status < 200 || status > 299) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "egress proxy refused the tunnel to the upstream (HTTP "
                    + status + (status == 407 ? ": proxy authentication required" : "") + ")");
        }
    }

    /**
     * The proxy's answer head, read a byte at a time (what follows it belongs to the TLS handshake
     * and must stay in the socket); returns its status line. A body of a 2xx answer to CONNECT is
     * not allowed, and the tunnel is given up on any other answer, so a body is never read.
     */
    private static String readHead(InputStream in) throws IOException {
        byte[] buf = new byte[256];
        int len = 0;
        int statusEnd = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("egress proxy closed the connection before answering CONNECT");
            }
            if (len == buf.length) {
                if (len >= MAX_HEAD) {
                    throw new ProtocolException("egress proxy answer head is too large");
                }
                buf = java.util.Arrays.copyOf(buf, len * 2);
            }
            buf[len++] = (byte) b;
            if (b == '\n') {
                if (statusEnd < 0) {
                    statusEnd = len;
                }
                // the head ends with an empty line: "\n\n" or "\n\r\n"
                if (len >= 2 && buf[len - 2] == '\n' || len >= 3 && buf[len - 2] == '\r' && buf[len - 3] == '\n') {
                    int end = statusEnd >= 2 && buf[statusEnd - 2] == '\r' ? statusEnd - 2 : statusEnd - 1;
                    return new String(buf, 0, end, StandardCharsets.ISO_8859_1);
                }
            }
        }
    }
}
