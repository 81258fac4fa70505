package io.aisix.spi;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a filter chain answers: a complete body, a stream of server-sent events, or a binary body
 * relayed as it arrives (audio, passthrough answers).
 */
public sealed interface Response permits Response.Full, Response.Streaming, Response.Binary {

    /** HTTP status code. */
    int status();

    /** Headers to send besides those the kernel adds. */
    Headers headers();

    /** Returns the same response with {@code headers} merged over this one's. */
    Response withHeaders(Headers extra);

    /**
     * A complete body.
     *
     * @param status      the HTTP status code
     * @param headers     headers to send besides those the kernel adds
     * @param contentType the {@code content-type} of {@code body}
     * @param body        the whole body
     */
    record Full(int status, Headers headers, String contentType, byte[] body) implements Response {
        /**
         * Checks the answer; the body is not copied, so do not change it afterwards.
         *
         * @throws NullPointerException when {@code headers}, {@code contentType} or {@code body} is {@code null}
         */
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
     *
     * @param status  the HTTP status code, sent before the first event
     * @param headers headers to send besides those the kernel adds
     * @param events  the events, pulled by the kernel
     */
    record Streaming(int status, Headers headers, EventStream events) implements Response {
        /**
         * Checks the answer.
         *
         * @throws NullPointerException when {@code headers} or {@code events} is {@code null}
         */
        public Streaming {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(events, "events");
        }

        @Override
        public Response withHeaders(Headers extra) {
            return extra.isEmpty() ? this : new Streaming(status, headers.toBuilder().addAll(extra).build(), events);
        }
    }

    /**
     * A body of any type copied to the caller as it arrives, never held whole: synthesized audio,
     * the answer of a passthrough route. The kernel reads {@link #body()} to its end in chunks,
     * writing and flushing each, and closes it when done or when the caller went away; closing it
     * early must cancel the upstream call (an {@link io.aisix.spi.provider.UpstreamResponse}'s
     * body stream does). A read that fails after the first byte ends the answer abruptly: there is
     * no envelope left to report it in.
     *
     * @param status        the HTTP status code
     * @param headers       headers to send besides those the kernel adds
     * @param contentType   the {@code content-type} of {@code body}
     * @param contentLength the body's length when the upstream declared it, else -1
     * @param body          the body, read once to its end by the kernel
     */
    record Binary(int status, Headers headers, String contentType, long contentLength, InputStream body)
            implements Response {
        /**
         * Checks the answer.
         *
         * @throws NullPointerException when {@code headers}, {@code contentType} or {@code body} is {@code null}
         */
        public Binary {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }

        @Override
        public Response withHeaders(Headers extra) {
            return extra.isEmpty() ? this
                    : new Binary(status, headers.toBuilder().addAll(extra).build(), contentType, contentLength, body);
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
