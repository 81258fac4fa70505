package io.aisix.spi.error;

import io.aisix.spi.Headers;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one exception a filter or adapter throws to answer with an error. The kernel alone renders
 * it into the OpenAI or Anthropic envelope; messages must never contain secrets, prompt text or
 * upstream 5xx bodies.
 *
 * <p>Upstream failures carry the upstream status ({@link #upstreamStatus()}) so the dispatcher can
 * decide whether to retry or fall over, and an optional {@code Retry-After}.
 */
public class GatewayException extends RuntimeException {
    private final ErrorCode code;
    private final int status;
    private final String param;
    private final int upstreamStatus;
    private final Duration retryAfter;
    private final Headers headers;

    /**
     * An error answered with {@code code}'s status.
     *
     * @param code    the error code, not {@code null}
     * @param message the client-facing message (no secrets, prompt text or upstream 5xx bodies)
     */
    public GatewayException(ErrorCode code, String message) {
        this(code, code.status(), message, null, 0, null, Headers.empty(), null);
    }

    /**
     * An error answered with {@code code}'s status, with the failure behind it (never sent to the caller).
     *
     * @param code    the error code, not {@code null}
     * @param message the client-facing message (no secrets, prompt text or upstream 5xx bodies)
     * @param cause   the underlying failure
     */
    public GatewayException(ErrorCode code, String message, Throwable cause) {
        this(code, code.status(), message, null, 0, null, Headers.empty(), cause);
    }

    private GatewayException(ErrorCode code, int status, String message, String param, int upstreamStatus,
                             Duration retryAfter, Headers headers, Throwable cause) {
        super(message, cause, false, false);
        this.code = Objects.requireNonNull(code, "code");
        this.status = status;
        this.param = param;
        this.upstreamStatus = upstreamStatus;
        this.retryAfter = retryAfter;
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /** An invalid request naming the offending body field. */
    public static GatewayException invalidRequest(String message, String param) {
        return new GatewayException(ErrorCode.INVALID_REQUEST, 400, message, param, 0, null, Headers.empty(), null);
    }

    /**
     * An upstream answered with a non-2xx status: 4xx keeps its status and message, 5xx becomes a
     * 502 whose message never echoes the upstream body. 401 and 403 mean the upstream refused the
     * gateway's provider credentials: they become a 401 {@link ErrorCode#UPSTREAM_AUTH_FAILED}, and
     * the message must not come from the upstream body, which may quote the key.
     */
    public static GatewayException upstreamStatus(int upstreamStatus, String clientMessage, Duration retryAfter) {
        if (upstreamStatus == 401 || upstreamStatus == 403) {
            return new GatewayException(ErrorCode.UPSTREAM_AUTH_FAILED, 401, clientMessage, null, upstreamStatus,
                    retryAfter, Headers.empty(), null);
        }
        if (upstreamStatus >= 400 && upstreamStatus < 500) {
            ErrorCode code = upstreamStatus == 429 ? ErrorCode.RATE_LIMIT_EXCEEDED : ErrorCode.UPSTREAM_CLIENT_ERROR;
            return new GatewayException(code, upstreamStatus, clientMessage, null, upstreamStatus, retryAfter,
                    Headers.empty(), null);
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, 502,
                "upstream returned status " + upstreamStatus, null, upstreamStatus, retryAfter, Headers.empty(), null);
    }

    /** A rejection that carries extra response headers (rate-limit headers, Retry-After). */
    public static GatewayException withHeaders(ErrorCode code, String message, Duration retryAfter, Headers headers) {
        return new GatewayException(code, code.status(), message, null, 0, retryAfter, headers, null);
    }

    /** The error code, which gives the error envelope's {@code type} and {@code code}. */
    public ErrorCode code() {
        return code;
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** The request field at fault, if any. */
    public Optional<String> param() {
        return Optional.ofNullable(param);
    }

    /** The upstream HTTP status, or 0 when the failure did not come from an upstream answer. */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    /**
     * How long the caller (and the dispatcher, before it tries this upstream again) should wait:
     * sent as a {@code Retry-After} header in whole seconds (at least 1) unless {@link #headers()}
     * already has one.
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Extra headers for the error response. */
    public Headers headers() {
        return headers;
    }
}
