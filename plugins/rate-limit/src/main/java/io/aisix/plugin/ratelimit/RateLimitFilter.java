package io.aisix.plugin.ratelimit;

import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.observe.GatewayMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Rate limits of one snapshot, at {@link io.aisix.spi.Stage#RATE_LIMIT}: after the input guardrails
 * (a blocked request costs nothing) and the cache (a hit costs nothing), outside the upstream tries
 * (retries and fallback count once).
 *
 * <p>Admission counts the request and takes the concurrency slots; the {@link Exchange#onComplete}
 * callback, which runs once the response or stream ended, failed or the caller went away, adds the
 * real usage ({@link CoreAttrs#USAGE}, prompt + completion tokens; 0 when unknown) to the token
 * windows and releases the slots, exactly once.
 *
 * <p>Refusals are 429 {@code rate_limit_exceeded} with {@code Retry-After} (seconds until the window
 * resets; 1 for concurrency) and the {@code x-ratelimit-*} headers of the refusing limit; admitted
 * requests carry {@code x-ratelimit-limit/remaining/reset-requests} and {@code -tokens} of their
 * tightest request and token limits. Each refusal counts in
 * {@code aisix_ratelimit_rejections_total{scope}}.
 *
 * <p>On {@code /mcp} only {@code tools/call} is metered, as AISIX does: the handshake,
 * {@code tools/list}, {@code ping} and notifications an agent sends around each call are free;
 * a tool call also meets the key's {@code mcp_rate_limits} entry of the called server.
 */
final class RateLimitFilter implements Filter {
    static final String REJECTIONS = "aisix_ratelimit_rejections_total";
    // the header names, lower-case as Headers keeps them (its lower-casing then returns them unchanged)
    static final String LIMIT_REQUESTS = "x-ratelimit-limit-requests";
    static final String REMAINING_REQUESTS = "x-ratelimit-remaining-requests";
    static final String RESET_REQUESTS = "x-ratelimit-reset-requests";
    static final String LIMIT_TOKENS = "x-ratelimit-limit-tokens";
    static final String REMAINING_TOKENS = "x-ratelimit-remaining-tokens";
    static final String RESET_TOKENS = "x-ratelimit-reset-tokens";

    private final LimitPlan plan;
    private final Limiter limiter;
    private final GatewayMetrics metrics;
    private final Clock clock;

    RateLimitFilter(LimitPlan plan, Limiter limiter, GatewayMetrics metrics, Clock clock) {
        this.plan = plan;
        this.limiter = limiter;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        Optional<String> mcpServer = Optional.empty();
        if (exchange.endpoint() == Endpoint.MCP) {
            if (!toolCall(exchange)) {
                return chain.proceed(exchange);
            }
            mcpServer = mcpServer(exchange);
        }
        // the time only decides whether a policy's schedule suspends it: not read when none has one
        List<Limit> limits = plan.applicable(exchange.attr(CoreAttrs.CALLER), exchange.attr(CoreAttrs.MODEL),
                exchange.attr(CoreAttrs.ALIAS).orElse(""), mcpServer, exchange.attr(CoreAttrs.RATE_LIMIT_SUBJECT),
                plan.scheduled() ? clock.instant() : null);
        if (limits.isEmpty()) {
            return chain.proceed(exchange);
        }
        Decision decision = limiter.acquire(limits);
        switch (decision) {
            case Decision.Rejected r -> throw reject(r);
            case Decision.Admitted a -> {
                success(exchange.responseHeaders(), limits, a);
                Lease lease = a.lease();
                exchange.onComplete(c -> lease.settle(exchange.attr(CoreAttrs.USAGE).map(Usage::totalTokens).orElse(0L)));
                return chain.proceed(exchange);
            }
        }
    }

    /** True for an MCP {@code tools/call}; a body that is not a JSON object is metered too. */
    private static boolean toolCall(Exchange exchange) {
        try {
            return "tools/call".equals(exchange.json().path("method").asText(""));
        } catch (GatewayException e) {
            return true;
        }
    }

    /**
     * The MCP server a tool call targets, read from the documented wire names (the mcp-gateway
     * plugin, which resolves it for real, runs after this stage): {@code /mcp/<server>}, or the
     * {@code <server>__<tool>} name on {@code /mcp}. A name that is no server's meets no entry of
     * {@code mcp_rate_limits} and is refused by the gateway anyway.
     */
    private static Optional<String> mcpServer(Exchange exchange) {
        String path = exchange.path();
        if (path.startsWith("/mcp/") && path.length() > 5) {
            return Optional.of(path.substring(5));
        }
        try {
            String tool = exchange.json().path("params").path("name").asText("");
            int sep = tool.indexOf("__");
            return sep > 0 ? Optional.of(tool.substring(0, sep)) : Optional.empty();
        } catch (GatewayException e) {
            return Optional.empty();
        }
    }

    private GatewayException reject(Decision.Rejected r) {
        Limit l = r.limit();
        metrics.increment(REJECTIONS, "scope", l.scope());
        long retry = l.resetSeconds(r.nowSeconds());
        Headers.Builder h = Headers.builder().set("retry-after", Long.toString(retry));
        String message;
        switch (l.kind()) {
            case REQUESTS -> {
                message = "request limit exceeded (" + l.label() + ")";
                h.set(LIMIT_REQUESTS, l.maxText())
                        .set(REMAINING_REQUESTS, "0")
                        .set(RESET_REQUESTS, duration(retry));
            }
            case TOKENS -> {
                message = "token limit exceeded (" + l.label() + ")";
                h.set(LIMIT_TOKENS, l.maxText())
                        .set(REMAINING_TOKENS, "0")
                        .set(RESET_TOKENS, duration(retry));
            }
            default -> message = "concurrency limit exceeded (" + l.label() + ")";
        }
        return GatewayException.withHeaders(ErrorCode.RATE_LIMIT_EXCEEDED, message, Duration.ofSeconds(retry), h.build());
    }

    /** Headers of the tightest request limit and the tightest token limit. */
    private static void success(Headers.Builder h, List<Limit> limits, Decision.Admitted a) {
        int req = -1;
        int tok = -1;
        long reqLeft = Long.MAX_VALUE;
        long tokLeft = Long.MAX_VALUE;
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            long left = Math.max(0, l.max() - a.counts()[i]);
            if (l.kind() == Limit.Kind.REQUESTS && left < reqLeft) {
                req = i;
                reqLeft = left;
            } else if (l.kind() == Limit.Kind.TOKENS && left < tokLeft) {
                tok = i;
                tokLeft = left;
            }
        }
        if (req >= 0) {
            Limit l = limits.get(req);
            h.set(LIMIT_REQUESTS, l.maxText())
                    .set(REMAINING_REQUESTS, count(reqLeft))
                    .set(RESET_REQUESTS, duration(l.resetSeconds(a.nowSeconds())));
        }
        if (tok >= 0) {
            Limit l = limits.get(tok);
            h.set(LIMIT_TOKENS, l.maxText())
                    .set(REMAINING_TOKENS, count(tokLeft))
                    .set(RESET_TOKENS, duration(l.resetSeconds(a.nowSeconds())));
        }
    }

    /**
     * {@link #count} of 0 .. 4095, made on first use: the remaining requests of a window of an
     * everyday limit count down through these, and the text was made again for every admitted request.
     */
    private static final String[] COUNTS = new String[4_096];

    /** {@code n} in decimal, as {@link Long#toString(long)}. */
    static String count(long n) {
        if (n >= 0 && n < COUNTS.length) {
            String c = COUNTS[(int) n]; // a race makes equal strings twice: harmless
            if (c == null) {
                c = Long.toString(n);
                COUNTS[(int) n] = c;
            }
            return c;
        }
        return Long.toString(n);
    }

    /**
     * {@link #duration} of 0 .. 3599 s, made on first use: every admitted request names one or two
     * resets, mostly of minute windows, and building the text each time was a third of the headers' cost.
     */
    private static final String[] DURATIONS = new String[3_600];

    /** OpenAI's reset format: {@code 45s}, {@code 6m0s}, {@code 2h0m5s}. */
    static String duration(long seconds) {
        if (seconds >= 0 && seconds < DURATIONS.length) {
            String d = DURATIONS[(int) seconds]; // a race makes equal strings twice: harmless
            if (d == null) {
                d = format(seconds);
                DURATIONS[(int) seconds] = d;
            }
            return d;
        }
        return format(seconds);
    }

    private static String format(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        return seconds / 3600 + "h" + seconds % 3600 / 60 + "m" + seconds % 60 + "s";
    }
}
