package io.aisix.spi.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.aisix.spi.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The one JSON shape of a {@link UsageEvent}, shared by the access log and the NDJSON exporters
 * ({@code http_log}, {@code file}) so every consumer sees the same fields:
 *
 * <pre>{@code
 * {"time": "2026-01-01T00:00:00.123Z", "request_id": "...", "route": "/v1/chat/completions",
 *  "key_id": "...", "alias": "gpt-4o", "provider": "openai", "upstream_model": "gpt-4o-2024-08-06",
 *  "status": 200, "error_code": null, "latency_ms": 812, "ttft_ms": 95, "prompt_tokens": 12,
 *  "completion_tokens": 40, "total_tokens": 52, "cache_status": "miss", "guardrail_outcome": "pass",
 *  "attempts": 1, "stream": true, "prompt": "...", "completion": "..."}
 * }</pre>
 *
 * Empty strings are written as {@code null}; {@code ttft_ms} is {@code null} when no byte was
 * sent. {@code prompt} and {@code completion} appear only when asked for and present.
 */
public final class UsageEventJson {
    private static final JsonFactory FACTORY = Json.factory();

    private UsageEventJson() {
    }

    /** The event as one line of JSON (no trailing newline). */
    public static String toJson(UsageEvent e, boolean withContent) {
        StringWriter w = new StringWriter(512);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            write(e, g, withContent);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return w.toString();
    }

    /** Writes the event as one JSON object. */
    public static void write(UsageEvent e, JsonGenerator g, boolean withContent) throws IOException {
        g.writeStartObject();
        g.writeStringField("time", UtcTime.iso(e.start()));
        text(g, "request_id", e.requestId());
        text(g, "route", e.route());
        text(g, "key_id", e.keyId());
        text(g, "alias", e.alias());
        text(g, "provider", e.provider());
        text(g, "upstream_model", e.upstreamModel());
        g.writeNumberField("status", e.status());
        text(g, "error_code", e.errorCode());
        g.writeNumberField("latency_ms", e.durationNanos() / 1_000_000);
        if (e.timeToFirstTokenNanos().isPresent()) {
            g.writeNumberField("ttft_ms", e.timeToFirstTokenNanos().get() / 1_000_000);
        } else {
            g.writeNullField("ttft_ms");
        }
        g.writeNumberField("prompt_tokens", e.promptTokens());
        g.writeNumberField("completion_tokens", e.completionTokens());
        g.writeNumberField("total_tokens", e.promptTokens() + e.completionTokens());
        text(g, "cache_status", e.cacheStatus());
        text(g, "guardrail_outcome", e.guardrailOutcome());
        g.writeNumberField("attempts", e.attempts());
        g.writeBooleanField("stream", e.streamed());
        if (withContent) {
            if (e.prompt().isPresent()) {
                g.writeStringField("prompt", e.prompt().get());
            }
            if (e.completion().isPresent()) {
                g.writeStringField("completion", e.completion().get());
            }
        }
        g.writeEndObject();
    }

    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value == null || value.isEmpty()) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }
}
