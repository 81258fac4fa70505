package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.spi.resource.ProviderKey;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The upstream call conventions every adapter shares: request options from the target, status
 * checks, error messages and failure classification (API.md section 5 error table).
 */
public final class Upstreams {
    /** Longest upstream 4xx message passed on to the caller. */
    static final int MAX_MESSAGE = 1000;
    private static final String REQUEST_ID = "x-aisix-request-id";
    private static final String[] PROVIDER_REQUEST_ID_HEADERS = {"x-request-id", "request-id", "apim-request-id",
            "x-goog-request-id", "x-amzn-requestid"};

    private Upstreams() {
    }

    /**
     * The target's timeout for a call: {@link Target#streamTimeoutMs()} for a stream (the longest
     * wait for each event), else {@link Target#timeoutMs()} (the whole call); absent: {@link
     * Duration#ZERO}, the kernel's default; 0: {@link UpstreamRequest#NO_TIMEOUT}.
     */
    public static Duration readTimeout(Target target, boolean stream) {
        OptionalLong t = stream ? target.streamTimeoutMs() : target.timeoutMs();
        if (t.isEmpty()) {
            return Duration.ZERO;
        }
        return t.getAsLong() == 0 ? UpstreamRequest.NO_TIMEOUT : Duration.ofMillis(t.getAsLong());
    }

    /** A JSON POST to {@code url} carrying the target's timeout and TLS settings. */
    public static UpstreamRequest postJson(String url, Headers headers, byte[] body, boolean stream, Target target) {
        ProviderKey key = target.key();
        return new UpstreamRequest("POST", url, headers, body, stream, readTimeout(target, stream), key.tlsCaPem(),
                key.tlsVerify());
    }

    /**
     * Starts the standard upstream headers: JSON content type, the accept type, the request id,
     * then the provider key's extra {@code headers}. Add the auth header after this, so an extra
     * header can never replace it.
     */
    public static Headers.Builder baseHeaders(Exchange exchange, Target target, boolean stream) {
        Headers.Builder h = Headers.builder();
        h.set("content-type", "application/json");
        h.set("accept", stream ? "text/event-stream" : "application/json");
        for (Map.Entry<String, String> e : target.key().headers().entrySet()) {
            h.set(e.getKey(), e.getValue());
        }
        h.set(REQUEST_ID, exchange.requestId());
        return h;
    }

    /**
     * Sends and checks the status; the upstream's id for its answer goes into
     * {@link CoreAttrs#PROVIDER_REQUEST_ID}. A non-2xx answer is closed and thrown as
     * {@link GatewayException#upstreamStatus}: the message comes from a 4xx body only (5xx bodies
     * are never read), and {@code Retry-After} is kept. A 401 or 403 means the upstream refused the
     * provider key: its body is not read (it may quote the key), the message names the key, and
     * a warning is logged with the upstream's request id.
     */
    public static UpstreamResponse send(Exchange exchange, Target target, UpstreamClient client,
                                        UpstreamRequest request) {
        UpstreamResponse response;
        try {
            response = client.send(request);
        } catch (GatewayException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(e);
        }
        String providerRequestId = providerRequestId(response.headers());
        exchange.attr(CoreAttrs.PROVIDER_REQUEST_ID, providerRequestId);
        int status = response.status();
        if (status >= 200 && status < 300) {
            return response;
        }
        try {
            Duration retryAfter = retryAfter(response.headers()).orElse(null);
            String message = "upstream returned status " + status;
            if (status == 401 || status == 403) {
                ProviderWarnings.warn(target.key(), "refused by the upstream (status " + status + ")", exchange,
                        providerRequestId);
                message = "the upstream refused the credentials of provider key '" + target.key().displayName()
                        + "' (status " + status + ")";
            } else if (status >= 400 && status < 500) {
                try {
                    message = errorMessage(response.readAll(), status);
                } catch (RuntimeException ignored) {
                    // the status alone still says what happened
                }
            }
            throw GatewayException.upstreamStatus(status, message, retryAfter);
        } finally {
            response.close();
        }
    }

    /**
     * The error for a provider key this adapter cannot call with (a missing {@code api_base}, ...):
     * a 400 naming the key and what is wrong, logged as a warning; never the secret.
     */
    public static GatewayException unusableKey(Exchange exchange, Target target, String problem) {
        ProviderWarnings.warn(target.key(), problem, exchange, null);
        return new GatewayException(ErrorCode.PROVIDER_KEY_UNUSABLE, "provider key '" + target.key().displayName()
                + "' cannot be used for model \"" + target.servedBy() + "\": " + problem);
    }

    /**
     * The upstream's own id for an answer, from the first of {@code x-request-id} (OpenAI and most
     * compatible servers), {@code request-id} (Anthropic), {@code apim-request-id} (Azure),
     * {@code x-goog-request-id}, {@code x-amzn-RequestId} (Bedrock); null when none was sent or it is not a
     * short printable string.
     */
    public static String providerRequestId(Headers headers) {
        // one pass over the answer's fields instead of a lookup per name: the best (earliest in
        // the list) name whose first value is printable wins, as looking them up in turn would
        int best = PROVIDER_REQUEST_ID_HEADERS.length;
        String id = null;
        int seen = 0; // names whose first value was looked at
        for (int i = 0, n = headers.size(); i < n; i++) {
            int which = requestIdHeader(headers.name(i));
            if (which < 0 || which >= best || (seen & (1 << which)) != 0) {
                continue;
            }
            seen |= 1 << which;
            String v = headers.value(i);
            if (printable(v)) {
                best = which;
                id = v;
            }
        }
        return id;
    }

    /** The index of a (lower-case) field name in {@link #PROVIDER_REQUEST_ID_HEADERS}, or -1. */
    private static int requestIdHeader(String name) {
        if (!name.endsWith("id")) {
            return -1;
        }
        for (int i = 0; i < PROVIDER_REQUEST_ID_HEADERS.length; i++) {
            if (PROVIDER_REQUEST_ID_HEADERS[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean printable(String v) {
        if (v.isEmpty() || v.length() > 256) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Reads a whole (non-streaming) body, mapping read failures and timeouts. */
    public static byte[] readAll(UpstreamResponse response) {
        try {
            return response.readAll();
        } catch (GatewayException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(e);
        } finally {
            response.close();
        }
    }

    /** Parses a JSON object answer, or fails with {@code UPSTREAM_ERROR}. */
    public static JsonNode parseBody(byte[] body) {
        try {
            JsonNode n = ProviderJson.MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw unreadable();
            }
            return n;
        } catch (IOException e) {
            throw unreadable();
        }
    }

    /** The error for an answer that is not what the provider's wire promises. */
    public static GatewayException unreadable() {
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream sent an unreadable answer");
    }

    /** The error for a stream that ended before its provider's end marker. */
    public static GatewayException brokenStream() {
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream stream ended before completion");
    }

    /**
     * Classifies a failure while talking to the upstream: {@link GatewayException}s pass through,
     * timeouts ({@link InterruptedIOException} such as {@link java.net.SocketTimeoutException},
     * {@link HttpTimeoutException}) become {@code TIMEOUT}, anything else {@code UPSTREAM_ERROR}.
     */
    public static GatewayException failure(Throwable t) {
        if (t instanceof GatewayException g) {
            return g;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof GatewayException g) {
                return g;
            }
            if (c instanceof InterruptedIOException || c instanceof HttpTimeoutException) {
                return new GatewayException(ErrorCode.TIMEOUT, "upstream timed out", t);
            }
        }
        if (t instanceof UncheckedIOException || t instanceof IOException) {
            return new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream connection broke", t);
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream call failed", t);
    }

    /**
     * The human message of an upstream error body: {@code error.message} (OpenAI, Anthropic,
     * Gemini), else {@code error} as text, else {@code message}, else a generic line.
     */
    public static String errorMessage(byte[] body, int status) {
        String generic = "upstream returned status " + status;
        if (body == null || body.length == 0) {
            return generic;
        }
        JsonNode n;
        try {
            n = ProviderJson.MAPPER.readTree(body);
        } catch (IOException e) {
            return generic;
        }
        if (n == null || !n.isObject()) {
            return generic;
        }
        String msg = null;
        JsonNode err = n.get("error");
        if (err != null && err.isObject() && err.path("message").isTextual()) {
            msg = err.get("message").asText();
        } else if (err != null && err.isTextual()) {
            msg = err.asText();
        } else if (n.path("message").isTextual()) {
            msg = n.get("message").asText();
        } else if (n.path("detail").isTextual()) {
            msg = n.get("detail").asText();
        }
        if (msg == null || msg.isBlank()) {
            return generic;
        }
        return msg.length() > MAX_MESSAGE ? msg.substring(0, MAX_MESSAGE) + "…" : msg;
    }

    /** {@code Retry-After} in seconds or as an HTTP date. */
    public static Optional<Duration> retryAfter(Headers headers) {
        Optional<String> v = headers.first("retry-after");
        if (v.isEmpty()) {
            return Optional.empty();
        }
        String s = v.get().trim();
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (Character.isDigit(s.charAt(0))) {
            try {
                double seconds = Double.parseDouble(s);
                return Optional.of(Duration.ofMillis((long) Math.ceil(seconds * 1000)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        try {
            Instant at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(Instant.now(), at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Trims whitespace and trailing slashes from a base URL. */
    public static String trimBase(String base) {
        String b = base.trim();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return b;
    }

    /** Removes {@code suffix} from the end of {@code s} (case-insensitive), if present. */
    public static String stripSuffix(String s, String suffix) {
        int from = s.length() - suffix.length();
        return from >= 0 && s.regionMatches(true, from, suffix, 0, suffix.length()) ? s.substring(0, from) : s;
    }
}
