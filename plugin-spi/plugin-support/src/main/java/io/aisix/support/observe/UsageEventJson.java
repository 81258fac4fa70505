package io.aisix.support.observe;

import com.fasterxml.jackson.core.JsonGenerator;
import io.aisix.spi.observe.UsageEvent;
import java.io.IOException;

/**
 * The one JSON shape of a {@link UsageEvent}, shared by the access log and the NDJSON exporters
 * ({@code http_log}, {@code file}) so every consumer sees the same fields:
 *
 * <pre>{@code
 * {"time": "2026-01-01T00:00:00.123Z", "request_id": "...", "route": "/v1/chat/completions",
 *  "key_id": "...", "alias": "gpt-4o", "provider": "openai", "upstream_model": "gpt-4o-2024-08-06",
 *  "status": 200, "error_code": null, "latency_ms": 812, "ttft_ms": 95, "prompt_tokens": 12,
 *  "completion_tokens": 40, "total_tokens": 52, "cache_read_tokens": 0, "cache_creation_tokens": 0,
 *  "cache_status": "miss", "guardrail_outcome": "pass",
 *  "attempts": 2, "stream": true, "cut": true,
 *  "upstream_attempts": [{"index": 1, "model": "gpt-a", "provider": "openai", "upstream_model": "gpt-4o",
 *                         "status": 500, "error_code": "upstream_error", "latency_ms": 40,
 *                         "provider_request_id": "req_123"}, {"index": 2, ...}],
 *  "cost_usd": 0.000412, "cost_saved_usd": 0.0031, "budget_alerts": ["team-a:80"],
 *  "prompt": "...", "completion": "..."}
 * }</pre>
 *
 * {@code cost_usd} appears when the answering model is priced (its {@code cost}), as a plain decimal
 * to 10<sup>-9</sup> USD; {@code cost_saved_usd} on cache hits that saved something;
 * {@code budget_alerts} when the request crossed a budget threshold.
 *
 * Empty strings are written as {@code null}; {@code ttft_ms} is {@code null} when no byte was
 * sent. {@code cut} is there (true) only for a stream the gateway ended early with an error event
 * (upstream failure or timeout mid-stream, drain deadline at shutdown). {@code prompt_tokens} counts prompt-cache reads and writes too ({@link io.aisix.spi.Usage}),
 * so {@code total_tokens} folds them in. {@code prompt} and {@code completion} appear only when asked for and present. Strings are
 * escaped as Jackson escapes them: quote, backslash and control characters, nothing else.
 *
 * <p>Written by hand rather than through a Jackson generator: the access log writes one line per
 * proxied request, and a generator per line (its contexts, its writer, its field-by-field
 * checks) was half of the access-log thread's CPU.
 */
public final class UsageEventJson {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UsageEventJson() {
    }

    /** The event as one line of JSON (no trailing newline). */
    public static String toJson(UsageEvent e, boolean withContent) {
        StringBuilder b = new StringBuilder(512);
        append(e, withContent, b);
        return b.toString();
    }

    /** Appends the event as one JSON object (no trailing newline) to {@code b}. */
    public static void append(UsageEvent e, boolean withContent, StringBuilder b) {
        b.append("{\"time\":\"");
        UtcTime.appendIso(b, e.start());
        b.append('"');
        text(b, ",\"request_id\":", e.requestId());
        text(b, ",\"route\":", e.route());
        text(b, ",\"key_id\":", e.keyId());
        text(b, ",\"alias\":", e.alias());
        text(b, ",\"provider\":", e.provider());
        text(b, ",\"upstream_model\":", e.upstreamModel());
        b.append(",\"status\":").append(e.status());
        text(b, ",\"error_code\":", e.errorCode());
        b.append(",\"latency_ms\":").append(e.durationNanos() / 1_000_000);
        b.append(",\"ttft_ms\":");
        if (e.timeToFirstTokenNanos().isPresent()) {
            b.append(e.timeToFirstTokenNanos().get() / 1_000_000);
        } else {
            b.append("null");
        }
        b.append(",\"prompt_tokens\":").append(e.promptTokens());
        b.append(",\"completion_tokens\":").append(e.completionTokens());
        b.append(",\"total_tokens\":").append(e.promptTokens() + e.completionTokens());
        b.append(",\"cache_read_tokens\":").append(e.cacheReadTokens());
        b.append(",\"cache_creation_tokens\":").append(e.cacheCreationTokens());
        text(b, ",\"cache_status\":", e.cacheStatus());
        text(b, ",\"guardrail_outcome\":", e.guardrailOutcome());
        b.append(",\"attempts\":").append(e.attempts());
        b.append(",\"stream\":").append(e.streamed());
        if (e.cut()) {
            b.append(",\"cut\":true");
        }
        b.append(",\"upstream_attempts\":[");
        for (int i = 0; i < e.upstreamAttempts().size(); i++) {
            UsageEvent.Attempt a = e.upstreamAttempts().get(i);
            b.append(i == 0 ? "{\"index\":" : ",{\"index\":").append(a.index());
            text(b, ",\"model\":", a.model());
            text(b, ",\"provider\":", a.provider());
            text(b, ",\"upstream_model\":", a.upstreamModel());
            b.append(",\"status\":").append(a.status());
            text(b, ",\"error_code\":", a.errorCode());
            b.append(",\"latency_ms\":").append(a.durationNanos() / 1_000_000);
            text(b, ",\"provider_request_id\":", a.providerRequestId());
            b.append('}');
        }
        b.append(']');
        if (e.priced()) {
            usd(b.append(",\"cost_usd\":"), e.costUsd());
        }
        if (e.costSavedUsd() > 0) {
            usd(b.append(",\"cost_saved_usd\":"), e.costSavedUsd());
        }
        if (!e.budgetAlerts().isEmpty()) {
            b.append(",\"budget_alerts\":[");
            for (int i = 0; i < e.budgetAlerts().size(); i++) {
                string(i == 0 ? b : b.append(','), e.budgetAlerts().get(i));
            }
            b.append(']');
        }
        if (withContent) {
            if (e.prompt().isPresent()) {
                string(b.append(",\"prompt\":"), e.prompt().get());
            }
            if (e.completion().isPresent()) {
                string(b.append(",\"completion\":"), e.completion().get());
            }
        }
        b.append('}');
    }

    /** Writes the event as one JSON object into a generator (the same bytes as {@link #toJson}). */
    public static void write(UsageEvent e, JsonGenerator g, boolean withContent) throws IOException {
        g.writeRawValue(toJson(e, withContent));
    }

    /**
     * USD as a plain decimal rounded to 10^-9 ({@code 0.000412}, never exponent notation): the text
     * of {@code BigDecimal.valueOf(Math.round(usd * 1e9), 9).stripTrailingZeros().toPlainString()},
     * written digit by digit (the {@code BigDecimal}s were most of what a line allocated).
     */
    static StringBuilder usd(StringBuilder b, double usd) {
        long nanos = Math.round(usd * 1e9);
        if (nanos == Long.MIN_VALUE) {
            return b.append(java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString());
        }
        if (nanos < 0) {
            b.append('-');
            nanos = -nanos;
        }
        b.append(nanos / 1_000_000_000L);
        int fraction = (int) (nanos % 1_000_000_000L);
        if (fraction != 0) {
            int width = 9;
            while (fraction % 10 == 0) {
                fraction /= 10;
                width--;
            }
            UtcTime.digits(b.append('.'), fraction, width);
        }
        return b;
    }

    /**
     * {@code ,"field":"value"}, or {@code ,"field":null} for an empty value; {@code prefix} is the
     * whole {@code ,"field":} as one constant, one append instead of three (the access log writes a
     * dozen such fields per request).
     */
    private static void text(StringBuilder b, String prefix, String value) {
        b.append(prefix);
        if (value == null || value.isEmpty()) {
            b.append("null");
        } else {
            string(b, value);
        }
    }

    /** The value as a JSON string, escaped. */
    private static void string(StringBuilder b, String value) {
        b.append('"');
        int plain = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            b.append(value, plain, i);
            plain = i + 1;
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        b.append(value, plain, value.length()).append('"');
    }
}
