package io.aisix.kernel.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * The answers a listener gives to requests its routes never see: framing and protocol errors
 * Helidon detects (bad or oversized headers, Content-Length with Transfer-Encoding, an invalid
 * chunk, too many concurrent requests), and what the {@link ConnectionGuard} refuses itself (a
 * request line that is not HTTP/1.1, one too long, headers that do not arrive in time). Each is a
 * JSON envelope in the listener's format, with an {@code x-aisix-request-id}, and closes the
 * connection: after a framing error the rest of the stream cannot be trusted as a next request.
 *
 * <p>The proxy's envelope is OpenAI's {@code {"error":{"message","type","code","param"}}}
 * (Anthropic's {@code {"type":"error","error":{...}}} when the request line names
 * {@code /v1/messages}); the admin listener's is {@code {"error_msg", "errors": []}}.
 */
public final class ListenerErrors {
    private static final ObjectMapper JSON = Json.mapper();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ListenerErrors.class.getName());
    static final HeaderName REQUEST_ID = HeaderNames.create("x-aisix-request-id");

    /** Which envelope the listener speaks. */
    public enum Style { PROXY, ADMIN }

    private final Style style;

    public ListenerErrors(Style style) {
        this.style = style;
    }

    public Style style() {
        return style;
    }

    /** Direct handlers for every Helidon event type, rendering this listener's envelope. */
    public DirectHandlers directHandlers() {
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            b.addHandler(t, this::direct);
        }
        return b.build();
    }

    private DirectHandler.TransportResponse direct(DirectHandler.TransportRequest request, DirectHandler.EventType type,
                                                   Status status, io.helidon.http.ServerResponseHeaders headers,
                                                   String message) {
        int code = status.code();
        if (type == DirectHandler.EventType.INTERNAL_ERROR && (request == null || request.method().isEmpty())) {
            // Helidon's HTTP/1 parser fails with an internal error on some malformed request lines
            // (an invalid method token on a kept-alive connection): no request was parsed, so it is
            // the caller's, not the server's
            String why = message;
            LOG.fine(() -> "malformed request refused (" + why + ")");
            status = Status.BAD_REQUEST_400;
            code = 400;
            message = null;
        } else if (type == DirectHandler.EventType.INTERNAL_ERROR) {
            // an exception no route handled: its text is for the log (Helidon logs it), never the
            // caller's, since it may quote configuration or a provider's answer
            message = null;
        }
        boolean anthropic = style == Style.PROXY && request.path() != null && request.path().startsWith("/v1/messages");
        String text = message == null || message.isBlank() || message.startsWith("Bad request, see server log")
                ? describe(code) : message;
        headers.set(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json"));
        headers.set(HeaderValues.create(REQUEST_ID, ProxyHandler.requestId()));
        headers.set(HeaderValues.CONNECTION_CLOSE);
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .keepAlive(false)
                .entity(body(code, text, anthropic))
                .build();
    }

    /** What a protocol-level status means, for errors that come without a message. */
    static String describe(int status) {
        return switch (status) {
            case 400 -> "malformed request: the request line, headers or body framing could not be parsed";
            case 408 -> "request timed out: the request line and headers, or the body, did not arrive in time";
            case 413 -> "request entity too large";
            case 414 -> "request line too long";
            case 431 -> "request headers too large";
            case 503 -> "too many concurrent requests, retry later";
            case 505 -> "HTTP version not supported: use HTTP/1.1";
            default -> status >= 500 ? "internal error: the gateway log has the details under this request id" : "request rejected";
        };
    }

    private static String openAiCode(int status) {
        return switch (status) {
            case 408 -> "request_timeout";
            case 413 -> "request_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 503 -> "service_unavailable";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "internal_error" : "invalid_request_error";
        };
    }

    /** The envelope's bytes for {@code status} and {@code message}. */
    byte[] body(int status, String message, boolean anthropic) {
        ObjectNode root = JSON.createObjectNode();
        if (style == Style.ADMIN) {
            root.put("error_msg", message);
            root.putArray("errors");
        } else if (anthropic) {
            root.put("type", "error");
            ObjectNode err = root.putObject("error");
            err.put("type", status == 413 ? "request_too_large" : status >= 500 ? "api_error" : "invalid_request_error");
            err.put("message", message);
        } else {
            ObjectNode err = root.putObject("error");
            err.put("message", message);
            err.put("type", status >= 500 ? "api_error" : "invalid_request_error");
            err.put("code", openAiCode(status));
            err.putNull("param");
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * A whole HTTP/1.1 response with this listener's envelope and {@code Connection: close}, for
     * connections answered below Helidon's HTTP/1 layer (the caller closes the socket after it).
     */
    byte[] rawResponse(int status, String message) {
        return rawResponse(status, ProxyHandler.requestId(), body(status, message, false));
    }

    /** A whole HTTP/1.1 JSON answer with {@code Connection: close}. */
    static byte[] rawResponse(int status, String requestId, byte[] body) {
        String head = "HTTP/1.1 " + status + " " + Status.create(status).reasonPhrase() + "\r\n"
                + "content-type: application/json\r\n"
                + "content-length: " + body.length + "\r\n"
                + "x-aisix-request-id: " + requestId + "\r\n"
                + "connection: close\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /**
     * A routing filter that closes the connection after any answer carrying
     * {@code Connection: close} and after any answer that left the request body unread: Helidon
     * echoes the caller's {@code Connection: close} (and the proxy sets it after refusing a body
     * it did not read) but would keep reading the socket for a next request, and would drain an
     * unread body with no deadline (a body that stops arriving would hold the connection).
     */
    public static Filter closeFilter() {
        return closeFilter(false, true);
    }

    /**
     * As {@link #closeFilter()}; with {@code requestIds} every answer also carries an
     * {@code x-aisix-request-id} (the admin and metrics listeners, whose handlers set none);
     * without {@code closeUnread} an unread body does not close the connection (the proxy,
     * whose handler reads or drains every body itself, streamed uploads included, and says
     * {@code Connection: close} where it does not).
     */
    public static Filter closeFilter(boolean requestIds, boolean closeUnread) {
        return (chain, req, res) -> {
            if (requestIds) {
                res.header(HeaderValues.create(REQUEST_ID, ProxyHandler.requestId()));
            }
            // looked up once: the request's headers do not change, and the lookup was ~1% of a
            // proxied request's CPU when made before the answer and again after it
            boolean askedToClose = askedToClose(req);
            // said in the answer itself, so that a client never reuses the connection we close
            res.beforeSend(() -> {
                if (!res.headers().contains(HeaderValues.CONNECTION_CLOSE) && closing(req, askedToClose, closeUnread)) {
                    res.header(HeaderValues.CONNECTION_CLOSE);
                }
            });
            chain.proceed();
            if (closing(req, askedToClose, closeUnread)) {
                throw new CloseConnectionException("Connection: close");
            }
        };
    }

    /** Whether the caller's {@code Connection} header asks to close. */
    private static boolean askedToClose(ServerRequest req) {
        var connection = req.headers().first(HeaderNames.CONNECTION);
        return connection.isPresent() && connection.get().toLowerCase(java.util.Locale.ROOT).contains("close");
    }

    private static boolean closing(ServerRequest req, boolean askedToClose, boolean closeUnread) {
        if (ConnectionGuard.closeAfterRequested() || askedToClose) {
            return true;
        }
        return closeUnread && req.content().hasEntity() && !req.content().consumed();
    }
}
