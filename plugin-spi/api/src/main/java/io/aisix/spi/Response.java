package io.aisix.spi;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a filter chain answers: a complete body or a stream of server-sent events.
 */
public sealed interface Response permits Response.Full, Response.Streaming {

    /** HTTP status code. */
    int status();

    /** Headers to send besides those the kernel adds. */
    Headers headers();

    /** Returns the same response with {@code headers} merged over this one's. */
    Response withHeaders(Headers extra);

    /** A complete body. */
    record Full(int status, Headers headers, String contentType, byte[] body) implements Response {
        public Full {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }

        @Override
        public Response withHeaders(Headers extra) {
            return extra.isEmpty() ? this : new Full(status, headers.toBuilder().addAll(extra).build(), contentType, body);
        }

        /** The body decoded as UTF-8 (for tests and diagnostics). */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A {@code text/event-stream} answer. The kernel pulls {@link #events()}, writes and flushes each
     * event at once, and closes the stream when done or when the caller disconnects.
     */
    record Streaming(int status, Headers headers, EventStream events) implements Response {
        public Streaming {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(events, "events");
        }

        @Override
        public Response withHeaders(Headers extra) {
            return extra.isEmpty() ? this : new Streaming(status, headers.toBuilder().addAll(extra).build(), events);
        }
    }

    /** A 200 JSON answer. */
    static Full json(byte[] body) {
        return new Full(200, Headers.empty(), "application/json", body);
    }

    /** A JSON answer with a status. */
    static Full json(int status, byte[] body) {
        return new Full(status, Headers.empty(), "application/json", body);
    }

    /** A 200 event stream. */
    static Streaming stream(EventStream events) {
        return new Streaming(200, Headers.empty(), events);
    }
}
