package io.aisix.spi.provider;

import io.aisix.spi.Headers;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP request to an upstream.
 *
 * @param method      the HTTP method
 * @param url         the absolute {@code http://} or {@code https://} URL
 * @param headers     the headers to send
 * @param body        the body; empty for none (or with {@code streamBody})
 * @param stream      true when the answer is an event stream: {@code readTimeout} then bounds the
 *                    wait for the answer head and for every later read (the gap between events),
 *                    and nothing bounds the whole; false: {@code readTimeout} is the deadline of the
 *                    whole exchange, from the connection to the last byte of the body
 * @param readTimeout {@link Duration#ZERO} applies the kernel's default ({@code upstream.timeout_ms},
 *                    or {@code upstream.stream_timeout_ms} for streams); {@link #NO_TIMEOUT} none
 * @param caPem       extra trusted CA certificates (PEM) for this upstream
 * @param verifyTls   false disables certificate verification
 * @param streamBody  a body written as it is produced, sent instead of {@code body} (which must
 *                    then be empty)
 */
public record UpstreamRequest(String method, String url, Headers headers, byte[] body, boolean stream, Duration readTimeout,
                              Optional<String> caPem, boolean verifyTls, Optional<StreamBody> streamBody) {
    /** A {@code readTimeout} that switches the timeout off (a model's {@code timeout: 0}). */
    public static final Duration NO_TIMEOUT = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);

    /**
     * Checks the request.
     *
     * @throws NullPointerException     when a component other than {@code verifyTls} and
     *                                  {@code stream} is {@code null}
     * @throws IllegalArgumentException when {@code readTimeout} is negative, or a stream body comes
     *                                  with a non-empty {@code body}
     */
    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(caPem, "caPem");
        Objects.requireNonNull(streamBody, "streamBody");
        if (readTimeout.isNegative()) {
            throw new IllegalArgumentException("readTimeout must not be negative");
        }
        if (streamBody.isPresent() && body.length > 0) {
            throw new IllegalArgumentException("a request has either a body or a stream body");
        }
    }

    /** A request whose body is held in {@code body}. */
    public UpstreamRequest(String method, String url, Headers headers, byte[] body, boolean stream, Duration readTimeout,
                           Optional<String> caPem, boolean verifyTls) {
        this(method, url, headers, body, stream, readTimeout, caPem, verifyTls, Optional.empty());
    }

    /** The same request with its body written by {@code streamBody}. */
    public UpstreamRequest withStreamBody(StreamBody streamBody) {
        return new UpstreamRequest(method, url, headers, new byte[0], stream, readTimeout, caPem, verifyTls,
                Optional.of(streamBody));
    }

    /** A JSON POST with the kernel's default timeouts and TLS settings. */
    public static UpstreamRequest postJson(String url, Headers headers, byte[] body, boolean stream) {
        return new UpstreamRequest("POST", url, headers, body, stream, Duration.ZERO, Optional.empty(), true);
    }
}
