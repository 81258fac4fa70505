package io.aisix.spi.provider;

import io.aisix.spi.Headers;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP request to an upstream.
 *
 * @param readTimeout the longest wait for the next bytes (the stream idle timeout for streams)
 * @param caPem       extra trusted CA certificates (PEM) for this upstream
 * @param verifyTls   false disables certificate verification
 */
public record UpstreamRequest(String method, String url, Headers headers, byte[] body, Duration readTimeout,
                              Optional<String> caPem, boolean verifyTls) {
    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(caPem, "caPem");
    }

    /** A JSON POST with default TLS settings. */
    public static UpstreamRequest postJson(String url, Headers headers, byte[] body, Duration readTimeout) {
        return new UpstreamRequest("POST", url, headers, body, readTimeout, Optional.empty(), true);
    }
}
