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
    INVALID_API_KEY(401, "invalid_api_key", "invalid_api_key", "authentication_error"),
    API_KEY_DISABLED(401, "invalid_api_key", "api_key_disabled", "authentication_error"),
    API_KEY_EXPIRED(401, "invalid_api_key", "api_key_expired", "authentication_error"),
    PERMISSION_DENIED(403, "permission_denied", "permission_denied", "permission_error"),
    MODEL_NOT_FOUND(404, "model_not_found", "model_not_found", "not_found_error"),
    NOT_FOUND(404, "invalid_request_error", "not_found", "not_found_error"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", "invalid_request_error"),
    INVALID_REQUEST(400, "invalid_request_error", "invalid_request_error", "invalid_request_error"),
    BODY_TOO_LARGE(413, "invalid_request_error", "request_too_large", "request_too_large"),
    CONTENT_FILTER(422, "content_filter", "content_filter", "invalid_request_error"),
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
    TIMEOUT(504, "timeout", "timeout", "timeout_error"),
    ALL_CANDIDATES_UNAVAILABLE(503, "all_candidates_unavailable", "all_candidates_unavailable", "overloaded_error"),
    SERVICE_UNAVAILABLE(503, "service_unavailable", "service_unavailable", "overloaded_error"),
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

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String anthropicType() {
        return anthropicType;
    }
}
