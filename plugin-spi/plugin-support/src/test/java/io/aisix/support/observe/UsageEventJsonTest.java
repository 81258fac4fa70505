package io.aisix.support.observe;

import io.aisix.spi.observe.UsageEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written JSON against the Jackson generator it replaced (kept here as the oracle):
 * identical text for random events, strings with every kind of character included.
 */
class UsageEventJsonTest {
    private static final String ALPHABET = "aZ09 -_/.:\"\\\n\r\t\b\f\u0000\u0001\u001f\u007f\u00e9\u2028\u4e2d\ud83d\ude00";

    /** The fields in order, written by Jackson exactly as the access log's lines were before. */
    private static String jackson(UsageEvent e, boolean withContent) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.factory().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", e.start().toString());
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
            g.writeNumberField("cache_read_tokens", e.cacheReadTokens());
            g.writeNumberField("cache_creation_tokens", e.cacheCreationTokens());
            text(g, "cache_status", e.cacheStatus());
            text(g, "guardrail_outcome", e.guardrailOutcome());
            g.writeNumberField("attempts", e.attempts());
            g.writeBooleanField("stream", e.streamed());
            g.writeArrayFieldStart("upstream_attempts");
            for (UsageEvent.Attempt a : e.upstreamAttempts()) {
                g.writeStartObject();
                g.writeNumberField("index", a.index());
                text(g, "model", a.model());
                text(g, "provider", a.provider());
                text(g, "upstream_model", a.upstreamModel());
                g.writeNumberField("status", a.status());
                text(g, "error_code", a.errorCode());
                g.writeNumberField("latency_ms", a.durationNanos() / 1_000_000);
                text(g, "provider_request_id", a.providerRequestId());
                g.writeEndObject();
            }
            g.writeEndArray();
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
        return w.toString();
    }

    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value == null || value.isEmpty()) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }

    private static String text(Random r) {
        if (r.nextInt(5) == 0) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(12); i > 0; i--) {
            b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static UsageEvent event(Random r) {
        return new UsageEvent(text(r), Instant.ofEpochSecond(r.nextLong(0, 4_102_444_800L), r.nextInt(1_000_000_000)),
                r.nextLong(0, Long.MAX_VALUE), r.nextBoolean() ? Optional.of(r.nextLong(0, Long.MAX_VALUE)) : Optional.empty(),
                text(r), text(r), text(r), text(r), text(r), r.nextInt(100, 600), text(r), r.nextLong(0, 1L << 40),
                r.nextLong(0, 1L << 40), r.nextLong(0, 1L << 30), r.nextLong(0, 1L << 30), text(r), text(r),
                r.nextInt(0, 5), r.nextBoolean(), attempts(r),
                r.nextBoolean() ? Optional.of(text(r)) : Optional.empty(),
                r.nextBoolean() ? Optional.of(text(r)) : Optional.empty());
    }

    private static List<UsageEvent.Attempt> attempts(Random r) {
        List<UsageEvent.Attempt> out = new ArrayList<>();
        for (int i = 1, n = r.nextInt(4); i <= n; i++) {
            out.add(new UsageEvent.Attempt(i, text(r), text(r), text(r), r.nextInt(100, 600), text(r),
                    r.nextLong(0, 1L << 40), r.nextLong(0, Long.MAX_VALUE), text(r)));
        }
        return out;
    }

    @Test
    void sameTextAsTheJacksonGeneratorForRandomEvents() throws IOException {
        Random r = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            UsageEvent e = event(r);
            boolean withContent = r.nextBoolean();
            String want = jackson(e, withContent);
            String got = UsageEventJson.toJson(e, withContent);
            int at = 0;
            while (at < Math.min(want.length(), got.length()) && want.charAt(at) == got.charAt(at)) {
                at++;
            }
            assertEquals(want, got, "event " + i + ", from character " + at + ": "
                    + want.substring(Math.max(0, at - 10), Math.min(want.length(), at + 10)).replace("\n", "\\n"));
        }
    }

    @Test
    void linesParseBackAndTheGeneratorFormMatches() throws IOException {
        UsageEvent e = new UsageEvent("req \"1\"", Instant.parse("2026-11-26T14:04:05.322Z"), 812_000_000,
                Optional.empty(), "/v1/chat/completions", "", "gpt", "openai", "gpt-4o", 200, "", 12, 40,
                "miss", "pass", 2, true, List.of(new UsageEvent.Attempt(1, "gpt-a", "openai", "gpt-4o", 500,
                        "upstream_error", 0, 40_000_000, "req_1"), new UsageEvent.Attempt(2, "gpt-b", "openai", "gpt-4o",
                        200, "", 41_000_000, 700_000_000, "")), Optional.of("line\nbreak"), Optional.empty());
        String line = UsageEventJson.toJson(e, true);
        JsonNode n = Json.mapper().readTree(line);
        assertEquals("req \"1\"", n.get("request_id").asText());
        assertEquals("line\nbreak", n.get("prompt").asText());
        assertEquals(52, n.get("total_tokens").asInt());
        assertEquals(true, n.get("key_id").isNull() && n.get("ttft_ms").isNull());
        assertEquals(500, n.at("/upstream_attempts/0/status").asInt());
        assertEquals("req_1", n.at("/upstream_attempts/0/provider_request_id").asText());
        assertEquals("gpt-b", n.at("/upstream_attempts/1/model").asText());
        assertEquals(true, n.at("/upstream_attempts/1/provider_request_id").isNull());
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.factory().createGenerator(w)) {
            UsageEventJson.write(e, g, true);
        }
        assertEquals(line, w.toString());
    }

    @Test
    void costFieldsAppearOnlyWhenPricedAndArePlainDecimals() throws IOException {
        UsageEvent unpriced = new UsageEvent("r", Instant.parse("2026-11-26T14:04:05.322Z"), 1, Optional.empty(),
                "/v1/chat/completions", "k", "gpt", "openai", "gpt-4o", 200, "", 12, 40, "", "", 1, false, List.of(),
                Optional.empty(), Optional.empty());
        String plain = UsageEventJson.toJson(unpriced, false);
        assertEquals(false, plain.contains("cost_usd") || plain.contains("budget_alerts"), plain);

        UsageEvent priced = new UsageEvent("r", Instant.parse("2026-11-26T14:04:05.322Z"), 1, Optional.empty(),
                "/v1/chat/completions", "k", "gpt", "openai", "gpt-4o", 200, "", 12, 40, 0, 0, "hit", "", 0, false,
                List.of(), Optional.empty(), Optional.empty(), 0.00000123, 0.0000415, List.of("team-a:80", "all:50"));
        String line = UsageEventJson.toJson(priced, false);
        assertEquals(true, line.contains("\"cost_usd\":0.00000123,\"cost_saved_usd\":0.0000415,"
                + "\"budget_alerts\":[\"team-a:80\",\"all:50\"]"), line);
        JsonNode n = Json.mapper().readTree(line);
        assertEquals(0.00000123, n.get("cost_usd").asDouble(), 1e-12);
        UsageEvent free = new UsageEvent("r", Instant.parse("2026-11-26T14:04:05.322Z"), 1, Optional.empty(),
                "/v1/chat/completions", "k", "gpt", "openai", "gpt-4o", 200, "", 0, 0, 0, 0, "hit", "", 0, false,
                List.of(), Optional.empty(), Optional.empty(), 0, 0, List.of());
        String zero = UsageEventJson.toJson(free, false);
        assertEquals(true, zero.contains("\"cost_usd\":0") && !zero.contains("cost_saved_usd"), zero);
        assertEquals(priced.costUsd(), priced.withoutContent().costUsd());
    }
    @Test
    void usdIsTheTextOfTheRoundedBigDecimal() {
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 0.5, 1e-9, -1e-9, 4e-10, 5e-10, 1.5e-9,
                0.000412, 0.00000123, 0.0000415, 12.0, 12.345, 1e10, 123456789.000000001, 9.999999999, 0.1, 0.3,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MAX_VALUE, -Double.MAX_VALUE,
                Double.MIN_VALUE, 9.2233720368547758e9, -9.2233720368547758e9));
        Random r = new Random(20);
        for (int i = 0; i < 20_000; i++) {
            values.add(r.nextDouble() * Math.pow(10, r.nextInt(14) - 10) * (r.nextBoolean() ? 1 : -1));
            values.add(r.nextInt(2_000_000) / 1e9);
            values.add(r.nextLong() / 1e9);
        }
        for (double v : values) {
            String expected = java.math.BigDecimal.valueOf(Math.round(v * 1e9), 9).stripTrailingZeros().toPlainString();
            assertEquals(expected, UsageEventJson.usd(new StringBuilder(), v).toString(), "usd " + v);
        }
    }
}
