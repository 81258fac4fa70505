package io.aisix.spi.provider;

import io.aisix.spi.Headers;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP request to an upstream.
 *
 * @param stream      true when the answer is an event stream: the kernel then applies the stream
 *                    idle timeout between reads instead of the whole-answer timeout
 * @param readTimeout the longest wait for the next bytes; {@link Duration#ZERO} applies the
 *                    kernel's configured default ({@code upstream.timeout_ms}, or
 *                    {@code upstream.stream_idle_timeout_ms} for streams)
 * @param caPem       extra trusted CA certificates (PEM) for this upstream
 * @param verifyTls   false disables certificate verification
 */
public record UpstreamRequest(String method, String url, Headers headers, byte[] body, boolean stream, Duration readTimeout,
                              Optional<String> caPem, boolean verifyTls) {
    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(caPem, "caPem");
    }

    /** A JSON POST with the kernel's default timeouts and TLS settings. */
    public static UpstreamRequest postJson(String url, Headers headers, byte[] body, boolean stream) {
        return new UpstreamRequest("POST", url, headers, body, stream, Duration.ZERO, Optional.empty(), true);
    }
}
