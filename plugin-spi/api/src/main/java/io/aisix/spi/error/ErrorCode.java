package io.aisix.spi.error;

/**
 * Every error the gateway answers with, and how it renders (API.md section 5).
 *
 * <p>{@code status} is the default HTTP status; {@link GatewayException} can override it for
 * {@link #UPSTREAM_CLIENT_ERROR}, which keeps the upstream's 4xx status. {@code type} and
 * {@code code} fill the OpenAI envelope {@code {"error":{"message","type","code","param"}}};
 * {@code anthropicType} fills the Anthropic envelope {@code {"type":"error","error":{"type","message"}}}.
 */
public enum ErrorCode {
    /** No caller credential, or one that matches no key. */
    INVALID_API_KEY(401, "invalid_api_key", "invalid_api_key", "authentication_error"),
    /** The caller's key is disabled. */
    API_KEY_DISABLED(401, "invalid_api_key", "api_key_disabled", "authentication_error"),
    /** The caller's key is past its {@code expires_at}. */
    API_KEY_EXPIRED(401, "invalid_api_key", "api_key_expired", "authentication_error"),
    /** The caller's key may not use this model, route or tool. */
    PERMISSION_DENIED(403, "permission_denied", "permission_denied", "permission_error"),
    /** No model answers to the alias the caller sent. */
    MODEL_NOT_FOUND(404, "model_not_found", "model_not_found", "not_found_error"),
    /** No endpoint at this path (or no resource a plugin's endpoint names). */
    NOT_FOUND(404, "invalid_request_error", "not_found", "not_found_error"),
    /** The endpoint exists but not for this HTTP method. */
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", "invalid_request_error"),
    /** The request body is not what the endpoint accepts ({@link GatewayException#param()} names the field). */
    INVALID_REQUEST(400, "invalid_request_error", "invalid_request_error", "invalid_request_error"),
    /** The request body is over the configured limit. */
    BODY_TOO_LARGE(413, "invalid_request_error", "request_too_large", "request_too_large"),
    /** A guardrail blocked the request or the answer. */
    CONTENT_FILTER(422, "content_filter", "content_filter", "invalid_request_error"),
    /** A rate limit of the gateway, or the upstream's own 429. */
    RATE_LIMIT_EXCEEDED(429, "rate_limit_exceeded", "rate_limit_exceeded", "rate_limit_error"),
    /** A hard {@code budgets} cap was spent for its period; the message and headers give the reset time. */
    BUDGET_EXCEEDED(429, "budget_exceeded", "budget_exceeded", "rate_limit_error"),
    /**
     * A provider key the adapter cannot use (an OpenAI-compatible vendor without {@code api_base}):
     * a configuration error the message names, found before any upstream call.
     */
    PROVIDER_KEY_UNUSABLE(400, "invalid_request_error", "provider_key_unusable", "invalid_request_error"),
    /** The model's provider has no such endpoint (rerank on Anthropic, audio on Gemini, ...). */
    ENDPOINT_NOT_SUPPORTED(400, "invalid_request_error", "endpoint_not_supported", "invalid_request_error"),
    /** The upstream refused the provider key's credentials (401 or 403). */
    UPSTREAM_AUTH_FAILED(401, "authentication_error", "upstream_auth_failed", "authentication_error"),
    /** An upstream 4xx, passed on with the upstream's status. */
    UPSTREAM_CLIENT_ERROR(400, "invalid_request_error", "upstream_client_error", "invalid_request_error"),
    /** Upstream 5xx, broken stream or unreadable body; the upstream body is never echoed. */
    UPSTREAM_ERROR(502, "upstream_error", "upstream_error", "api_error"),
    /** The upstream did not answer (or a stream went silent) within the model's timeout. */
    TIMEOUT(504, "timeout", "timeout", "timeout_error"),
    /** No target of the model could be tried: none configured, or all failed or cooling down. */
    ALL_CANDIDATES_UNAVAILABLE(503, "all_candidates_unavailable", "all_candidates_unavailable", "overloaded_error"),
    /** The gateway cannot serve now: no configuration loaded yet, shutting down, or a dependency down. */
    SERVICE_UNAVAILABLE(503, "service_unavailable", "service_unavailable", "overloaded_error"),
    /** A bug: an exception other than a {@link GatewayException} escaped a filter or adapter. */
    INTERNAL(500, "internal_error", "internal_error", "api_error");

    private final int status;
    private final String type;
    private final String code;
    private final String anthropicType;

    ErrorCode(int status, String type, String code, String anthropicType) {
        this.status = status;
        this.type = type;
        this.code = code;
        this.anthropicType = anthropicType;
    }

    /** The default HTTP status (an upstream 4xx keeps its own, see {@link GatewayException#upstreamStatus}). */
    public int status() {
        return status;
    }

    /** The OpenAI envelope's {@code error.type}. */
    public String type() {
        return type;
    }

    /** The OpenAI envelope's {@code error.code}; also a usage event's {@link io.aisix.spi.observe.UsageEvent#errorCode()}. */
    public String code() {
        return code;
    }

    /** The Anthropic envelope's {@code error.type} (the {@code /v1/messages} wire). */
    public String anthropicType() {
        return anthropicType;
    }
}
