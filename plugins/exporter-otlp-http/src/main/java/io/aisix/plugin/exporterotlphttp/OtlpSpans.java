package io.aisix.plugin.exporterotlphttp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;

/**
 * Usage events as an OTLP/JSON {@code ExportTraceServiceRequest}: one resource
 * ({@code service.name=aisix-gateway}), one scope, one {@code SPAN_KIND_CLIENT} span per event,
 * and under it one child span per upstream try, so a request rescued by a fallback shows the
 * try that failed.
 *
 * <p>Span name {@code "<gen_ai.operation.name> <alias>"} (for example {@code chat gpt-4o}).
 * Attributes: {@code gen_ai.operation.name}, {@code gen_ai.system} and {@code gen_ai.provider.name}
 * (the provider id), {@code gen_ai.request.model} (the alias sent), {@code gen_ai.response.model}
 * (the upstream model), {@code gen_ai.usage.input_tokens}, {@code gen_ai.usage.output_tokens},
 * {@code http.response.status_code}, {@code error.type} on failures, {@code aisix.*} (request id,
 * route, key id, cache status, guardrail outcome, attempts, stream, ttft_ms) and, only with
 * {@code content_mode: full}, {@code gen_ai.prompt} and {@code gen_ai.completion}.
 *
 * <p>A try's span: name {@code "<gen_ai.operation.name> <upstream model>"}, {@code parentSpanId}
 * the request's span, its own start and end; attributes {@code gen_ai.operation.name},
 * {@code gen_ai.system}, {@code gen_ai.provider.name}, {@code gen_ai.request.model} (the upstream
 * model), {@code http.response.status_code}, {@code error.type} on failures, {@code aisix.request_id},
 * {@code aisix.attempt.index}, {@code aisix.attempt.model} (the direct alias tried) and
 * {@code aisix.provider_request_id} (the upstream's id for its answer).
 *
 * <p>Ids are lowercase hex as OTLP/JSON requires: the trace id is the request id when that is a
 * UUID (so the gateway's {@code x-aisix-request-id} finds the trace), else derived from its
 * SHA-256; the span ids are derived from the SHA-256 too (a try's from the request id and its
 * index), so a retried batch repeats the same ids.
 * 64-bit integers are JSON strings, as the OTLP/JSON mapping prescribes.
 */
final class OtlpSpans {
    static final String SERVICE_NAME = "aisix-gateway";
    static final String SCOPE = "io.aisix.gateway";
    private static final JsonFactory FACTORY = Json.factory();
    private static final HexFormat HEX = HexFormat.of();

    private OtlpSpans() {
    }

    static byte[] exportRequest(List<UsageEvent> batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + batch.size() * 1024);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("resourceSpans");
            g.writeStartObject();
            g.writeObjectFieldStart("resource");
            g.writeArrayFieldStart("attributes");
            str(g, "service.name", SERVICE_NAME);
            g.writeEndArray();
            g.writeEndObject();
            g.writeArrayFieldStart("scopeSpans");
            g.writeStartObject();
            g.writeObjectFieldStart("scope");
            g.writeStringField("name", SCOPE);
            g.writeEndObject();
            g.writeArrayFieldStart("spans");
            for (UsageEvent e : batch) {
                span(g, e);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String operation(String route) {
        return switch (route) {
            case "/v1/chat/completions", "/v1/messages", "/v1/responses" -> "chat";
            case "/v1/completions" -> "text_completion";
            case "/v1/embeddings" -> "embeddings";
            default -> {
                int slash = route.lastIndexOf('/');
                yield slash >= 0 && slash < route.length() - 1 ? route.substring(slash + 1) : "request";
            }
        };
    }

    private static void span(JsonGenerator g, UsageEvent e) throws IOException {
        byte[] digest = Digests.sha256(e.requestId());
        String op = operation(e.route());
        long startNanos = e.start().getEpochSecond() * 1_000_000_000L + e.start().getNano();
        String traceId = traceId(e.requestId(), digest);
        String spanId = HEX.formatHex(digest, 16, 24);
        g.writeStartObject();
        g.writeStringField("traceId", traceId);
        g.writeStringField("spanId", spanId);
        g.writeStringField("name", e.alias().isEmpty() ? op : op + " " + e.alias());
        g.writeNumberField("kind", 3); // SPAN_KIND_CLIENT
        g.writeStringField("startTimeUnixNano", Long.toString(startNanos));
        g.writeStringField("endTimeUnixNano", Long.toString(startNanos + e.durationNanos()));
        g.writeArrayFieldStart("attributes");
        str(g, "gen_ai.operation.name", op);
        str(g, "gen_ai.system", e.provider());
        str(g, "gen_ai.provider.name", e.provider());
        str(g, "gen_ai.request.model", e.alias());
        str(g, "gen_ai.response.model", e.upstreamModel());
        if (e.promptTokens() > 0 || e.completionTokens() > 0) {
            num(g, "gen_ai.usage.input_tokens", e.promptTokens());
            num(g, "gen_ai.usage.output_tokens", e.completionTokens());
        }
        num(g, "http.response.status_code", e.status());
        str(g, "error.type", e.errorCode());
        str(g, "aisix.request_id", e.requestId());
        str(g, "aisix.route", e.route());
        str(g, "aisix.api_key_id", e.keyId());
        str(g, "aisix.cache_status", e.cacheStatus());
        str(g, "aisix.guardrail_outcome", e.guardrailOutcome());
        num(g, "aisix.attempts", e.attempts());
        g.writeStartObject();
        g.writeStringField("key", "aisix.stream");
        g.writeObjectFieldStart("value");
        g.writeBooleanField("boolValue", e.streamed());
        g.writeEndObject();
        g.writeEndObject();
        if (e.timeToFirstTokenNanos().isPresent()) {
            num(g, "aisix.ttft_ms", e.timeToFirstTokenNanos().get() / 1_000_000);
        }
        if (e.prompt().isPresent()) {
            str(g, "gen_ai.prompt", e.prompt().get());
        }
        if (e.completion().isPresent()) {
            str(g, "gen_ai.completion", e.completion().get());
        }
        g.writeEndArray();
        status(g, e.status(), e.errorCode());
        g.writeEndObject();
        for (UsageEvent.Attempt a : e.upstreamAttempts()) {
            attemptSpan(g, e, a, op, traceId, spanId, startNanos);
        }
    }

    private static void attemptSpan(JsonGenerator g, UsageEvent e, UsageEvent.Attempt a, String op, String traceId,
                                    String parentSpanId, long requestStartNanos) throws IOException {
        byte[] digest = Digests.sha256(e.requestId() + "#" + a.index());
        long start = requestStartNanos + a.startOffsetNanos();
        g.writeStartObject();
        g.writeStringField("traceId", traceId);
        g.writeStringField("spanId", HEX.formatHex(digest, 16, 24));
        g.writeStringField("parentSpanId", parentSpanId);
        g.writeStringField("name", a.upstreamModel().isEmpty() ? op : op + " " + a.upstreamModel());
        g.writeNumberField("kind", 3); // SPAN_KIND_CLIENT
        g.writeStringField("startTimeUnixNano", Long.toString(start));
        g.writeStringField("endTimeUnixNano", Long.toString(start + a.durationNanos()));
        g.writeArrayFieldStart("attributes");
        str(g, "gen_ai.operation.name", op);
        str(g, "gen_ai.system", a.provider());
        str(g, "gen_ai.provider.name", a.provider());
        str(g, "gen_ai.request.model", a.upstreamModel());
        num(g, "http.response.status_code", a.status());
        str(g, "error.type", a.errorCode());
        str(g, "aisix.request_id", e.requestId());
        num(g, "aisix.attempt.index", a.index());
        str(g, "aisix.attempt.model", a.model());
        str(g, "aisix.provider_request_id", a.providerRequestId());
        g.writeEndArray();
        status(g, a.status(), a.errorCode());
        g.writeEndObject();
    }

    private static void status(JsonGenerator g, int status, String errorCode) throws IOException {
        g.writeObjectFieldStart("status");
        if (status >= 400 || !errorCode.isEmpty()) {
            g.writeNumberField("code", 2); // STATUS_CODE_ERROR
            if (!errorCode.isEmpty()) {
                g.writeStringField("message", errorCode);
            }
        } else {
            g.writeNumberField("code", 1); // STATUS_CODE_OK
        }
        g.writeEndObject();
    }

    /** The request id itself when it is a UUID (32 hex digits once the dashes are gone), else a digest. */
    static String traceId(String requestId, byte[] digest) {
        String hex = requestId.replace("-", "").toLowerCase(java.util.Locale.ROOT);
        if (hex.length() == 32 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                && !hex.equals("0".repeat(32))) {
            return hex;
        }
        return HEX.formatHex(digest, 0, 16);
    }

    private static void str(JsonGenerator g, String key, String value) throws IOException {
        if (value == null || value.isEmpty()) {
            return;
        }
        g.writeStartObject();
        g.writeStringField("key", key);
        g.writeObjectFieldStart("value");
        g.writeStringField("stringValue", value);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void num(JsonGenerator g, String key, long value) throws IOException {
        g.writeStartObject();
        g.writeStringField("key", key);
        g.writeObjectFieldStart("value");
        g.writeStringField("intValue", Long.toString(value));
        g.writeEndObject();
        g.writeEndObject();
    }
}
