package io.aisix.plugin.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.NullNode;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.RateLimit;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The filter against a stub chain: headers, 429s, metrics, settling on completion. */
class RateLimitFilterTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:15Z"));
    final TestPluginContext ctx = new TestPluginContext().clock(clock);
    final CallerKey key = new CallerKey("k1", Optional.empty(), "0".repeat(64), List.of("*"),
            Optional.of(new RateLimit(OptionalLong.empty(), OptionalLong.of(2), OptionalLong.empty(), OptionalLong.of(100),
                    OptionalLong.empty(), OptionalLong.of(5))),
            Optional.empty(), false, Optional.empty(), Optional.empty(), NullNode.getInstance());
    final RateLimitFilter filter = new RateLimitFilter(
            new LimitPlan(LimitPlanTest.snapshot(Map.of(CoreKinds.API_KEYS, Map.of("k1", key)))),
            new MemoryLimiter(clock), ctx.metrics(), clock);
    final Chain ok = ex -> {
        ex.attr(CoreAttrs.USAGE, new Usage(30, 10));
        return Response.json("{}".getBytes(StandardCharsets.UTF_8));
    };

    TestExchange exchange() {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}").attr(CoreAttrs.CALLER, key).build();
    }

    @Test
    void admittedAnswersCarryTheTightestLimitsAndTokensSettleOnCompletion() {
        TestExchange first = exchange();
        filter.handle(first, ok);
        Headers h = first.responseHeaders().build();
        assertEquals("2", h.first("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("1", h.first("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals("45s", h.first("x-ratelimit-reset-requests").orElseThrow());
        assertEquals("100", h.first("x-ratelimit-limit-tokens").orElseThrow());
        assertEquals("100", h.first("x-ratelimit-remaining-tokens").orElseThrow());
        first.complete(200, false);

        TestExchange second = exchange();
        filter.handle(second, ok);
        assertEquals("60", second.responseHeaders().build().first("x-ratelimit-remaining-tokens").orElseThrow(),
                "40 real tokens of the first request, counted once");
        assertEquals("0", second.responseHeaders().build().first("x-ratelimit-remaining-requests").orElseThrow());
        second.complete(200, false);
    }

    TestExchange mcp(String body) {
        return TestExchange.builder(Endpoint.MCP).path("/mcp").body(body.getBytes(StandardCharsets.UTF_8))
                .attr(CoreAttrs.CALLER, key).build();
    }

    @Test
    void onMcpOnlyToolCallsAreMetered() {
        for (String free : List.of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}")) {
            for (int i = 0; i < 3; i++) {
                TestExchange ex = mcp(free);
                filter.handle(ex, ok);
                assertEquals(Optional.empty(), ex.responseHeaders().build().first("x-ratelimit-limit-requests"), free);
            }
        }
        String call = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"a__b\"}}";
        filter.handle(mcp(call), ok);
        filter.handle(mcp(call), ok);
        GatewayException e = assertThrows(GatewayException.class, () -> filter.handle(mcp(call), ok));
        assertEquals(429, e.status(), "rpm 2: the third tool call in the minute");
        assertThrows(GatewayException.class, () -> filter.handle(mcp("not json"), ok), "an unreadable body is metered");
    }

    @Test
    void aKeysMcpRateLimitsMeterItsToolCallsPerServerInTheirOwnCounters() throws Exception {
        // AISIX's wire format: per server name, request dimensions only; the key's own rate_limit still applies
        CallerKey agent = CoreKinds.API_KEYS.decode("k2", io.aisix.support.Json.mapper().readTree("{\"key_hash\":\""
                + "1".repeat(64) + "\",\"rate_limit\":{\"rph\":4},\"mcp_rate_limits\":{\"alpha\":{\"rpm\":1},"
                + "\"beta\":{\"rpd\":2,\"concurrency\":3}}}"));
        RateLimitFilter f = new RateLimitFilter(new LimitPlan(LimitPlanTest.snapshot(Map.of(CoreKinds.API_KEYS,
                Map.of("k2", agent)))), new MemoryLimiter(clock), ctx.metrics(), clock);
        java.util.function.BiFunction<String, String, TestExchange> call = (path, tool) -> TestExchange
                .builder(Endpoint.MCP).path(path).body(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                        + "\"params\":{\"name\":\"" + tool + "\"}}").getBytes(StandardCharsets.UTF_8))
                .attr(CoreAttrs.CALLER, agent).build();
        f.handle(call.apply("/mcp", "alpha__echo"), ok);
        GatewayException e = assertThrows(GatewayException.class, () -> f.handle(call.apply("/mcp/alpha", "echo"), ok));
        assertEquals(429, e.status());
        assertEquals(true, e.getMessage().contains("rpm of the API key on MCP server 'alpha'"), e.getMessage());
        // beta's counter is its own: alpha's burst took none of it
        f.handle(call.apply("/mcp", "beta__echo"), ok);
        f.handle(call.apply("/mcp/beta", "search"), ok);
        e = assertThrows(GatewayException.class, () -> f.handle(call.apply("/mcp", "beta__echo"), ok));
        assertEquals(true, e.getMessage().contains("rpd of the API key on MCP server 'beta'"), e.getMessage());
        // a server without an entry is bounded by the key's rate_limit alone (rph 4: three calls admitted so far;
        // a refused call counts nowhere)
        f.handle(call.apply("/mcp", "gamma__echo"), ok);
        e = assertThrows(GatewayException.class, () -> f.handle(call.apply("/mcp", "gamma__echo"), ok));
        assertEquals(true, e.getMessage().contains("rph of the API key"), e.getMessage());
        assertEquals(2.0, ctx.metrics().counter(RateLimitFilter.REJECTIONS, "scope", "mcp_server"));
    }

    @Test
    void identitiesSharingAKeyWithARateLimitSubjectCountApart() {
        // rpm 2 on the key: each subject gets two, a caller without a subject (the key itself) its own two
        java.util.function.Function<String, TestExchange> as = subject -> {
            TestExchange.Builder b = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}").attr(CoreAttrs.CALLER, key);
            if (subject != null) {
                b.attr(CoreAttrs.RATE_LIMIT_SUBJECT, subject);
            }
            return b.build();
        };
        for (String subject : java.util.Arrays.asList("corp/alice", "corp/bob", null)) {
            filter.handle(as.apply(subject), ok);
            filter.handle(as.apply(subject), ok);
            GatewayException e = assertThrows(GatewayException.class, () -> filter.handle(as.apply(subject), ok));
            assertEquals(429, e.status(), String.valueOf(subject));
        }
    }

    @Test
    void mcpRateLimitsTakeRequestDimensionsOnly() {
        io.aisix.spi.resource.ValidationException v = assertThrows(io.aisix.spi.resource.ValidationException.class,
                () -> CoreKinds.API_KEYS.decode("k", io.aisix.support.Json.mapper().readTree("{\"key_hash\":\""
                        + "1".repeat(64) + "\",\"mcp_rate_limits\":{\"alpha\":{\"tpm\":5},\"beta\":3}}")));
        String issues = v.issues().toString();
        assertEquals(true, issues.contains("/mcp_rate_limits/alpha/tpm"), issues);
        assertEquals(true, issues.contains("/mcp_rate_limits/beta"), issues);
    }

    @Test
    void aRefusalIs429WithRetryAfterHeadersAndAMetric() {
        filter.handle(exchange(), ok);
        filter.handle(exchange(), ok);
        TestExchange third = exchange();
        GatewayException e = assertThrows(GatewayException.class, () -> filter.handle(third, ok));
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, e.code());
        assertEquals(429, e.status());
        assertEquals("request limit exceeded (rpm of the API key)", e.getMessage());
        assertEquals("45", e.headers().first("retry-after").orElseThrow());
        assertEquals("2", e.headers().first("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("0", e.headers().first("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals("45s", e.headers().first("x-ratelimit-reset-requests").orElseThrow());
        assertEquals(1, ctx.metrics().get("aisix_ratelimit_rejections_total{scope=api_key}"));
    }

    @Test
    void requestsWithoutApplicableLimitsPassUntouched() {
        TestExchange anon = TestExchange.chat("{}");
        for (int i = 0; i < 5; i++) {
            filter.handle(anon, ok);
        }
        assertEquals(true, anon.responseHeaders().isEmpty());
    }

    @Test
    void remainingCountsAreDecimalAndTheSmallOnesKept() {
        for (long n : new long[] {0, 1, 9, 10, 999, 4_095, 4_096, 1_000_000_000L, Long.MAX_VALUE, -1}) {
            String first = RateLimitFilter.count(n);
            assertEquals(Long.toString(n), first);
            if (n >= 0 && n < 4_096) {
                assertSame(first, RateLimitFilter.count(n), "kept: " + n);
            }
        }
    }

    @Test
    void resetDurationsUseOpenAiNotation() {
        assertEquals("59s", RateLimitFilter.duration(59));
        assertEquals("6m0s", RateLimitFilter.duration(360));
        assertEquals("23h59m59s", RateLimitFilter.duration(86_399));
        // below an hour they are made once and kept: the same text each time
        for (long s : new long[] {0, 1, 59, 60, 61, 3_599, 3_600}) {
            String first = RateLimitFilter.duration(s);
            assertEquals(first, RateLimitFilter.duration(s));
            assertEquals(s < 60 ? s + "s" : s / 3600 > 0 ? "1h0m0s" : s / 60 + "m" + s % 60 + "s", first);
        }
    }
}
