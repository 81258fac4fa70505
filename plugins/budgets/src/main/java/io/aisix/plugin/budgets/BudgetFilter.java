package io.aisix.plugin.budgets;

import io.aisix.spi.Chain;
import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.resource.Model;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Budgets of one snapshot, at {@link io.aisix.spi.Stage#RATE_LIMIT} after the rate limits (a request
 * they refuse reserves nothing) and after the cache (a hit costs nothing and is not refused).
 *
 * <p>Before the call, each applicable {@code hard} budget reserves the request's estimated cost
 * ({@link Ledger}); a spent cap answers 429 {@code budget_exceeded} naming the budget, its spend and
 * the reset time (also in {@code x-aisix-budget-reset}, ISO-8601, and {@code Retry-After}, seconds).
 * When the rest of a cap is reserved by requests in flight, the request waits (polling, up to
 * {@code budgets.reservation_wait_ms}) for them to settle, and is refused if they used it up or the
 * wait ran out. After the answer (a stream at its end), the completion callback charges every
 * applicable budget with the cost: the answering target's {@code cost} times the usage it reported
 * (0 when unpriced, failed or a cache hit), frees the reservations, and records each 50, 80 and 100
 * percent threshold the charge crossed ({@code aisix_budget_threshold_crossings_total}, a WARNING
 * log line, and {@link CoreAttrs#BUDGET_ALERTS} for the request's usage event).
 */
final class BudgetFilter implements Filter {
    private static final Logger LOG = Logger.getLogger("aisix.budgets");
    static final String REJECTIONS = "aisix_budget_rejections_total";
    static final String CROSSINGS = "aisix_budget_threshold_crossings_total";
    static final String RESET_HEADER = "x-aisix-budget-reset";
    static final int[] THRESHOLDS = {50, 80, 100};
    private static final String[] THRESHOLD_LABELS = {"50", "80", "100"};
    static final long POLL_MS = 20;

    private final BudgetPlan plan;
    private final BudgetRuntime runtime;

    BudgetFilter(BudgetPlan plan, BudgetRuntime runtime) {
        this.plan = plan;
        this.runtime = runtime;
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        Optional<Model> model = exchange.attr(CoreAttrs.MODEL);
        List<BudgetPlan.Applied> applied = plan.applicable(exchange.attr(CoreAttrs.CALLER), model,
                exchange.attr(CoreAttrs.ALIAS).orElse(""));
        if (applied.isEmpty()) {
            return chain.proceed(exchange);
        }
        Clock clock = runtime.clock;
        Instant now = clock.instant();
        int n = applied.size();
        String[] counters = new String[n];
        long[] ends = new long[n];
        Ledger.Reservation[] held = new Ledger.Reservation[n];
        String estimateKey = model.map(Model::id).orElse("");
        long estimate = runtime.estimate(estimateKey);
        for (int i = 0; i < n; i++) {
            Budget b = applied.get(i).budget();
            ZonedDateTime start = b.periodStart(now);
            ZonedDateTime end = b.periodEnd(start);
            counters[i] = b.id() + ":" + applied.get(i).subject() + ":" + start.toEpochSecond();
            ends[i] = end.toInstant().toEpochMilli();
            if (!b.hard()) {
                continue;
            }
            try {
                held[i] = admit(b, counters[i], estimate, ends[i], end);
            } catch (GatewayException e) {
                for (int j = 0; j < i; j++) {
                    if (held[j] != null) {
                        runtime.ledger.charge(counters[j], held[j], 0, ends[j]);
                    }
                }
                throw e;
            }
        }
        exchange.onComplete(c -> settle(exchange, c, applied, counters, ends, held, estimateKey));
        return chain.proceed(exchange);
    }

    private Ledger.Reservation admit(Budget b, String counter, long estimate, long endMs, ZonedDateTime end) {
        long deadline = System.nanoTime() + runtime.waitMs * 1_000_000L;
        while (true) {
            Ledger.Admission a = runtime.ledger.reserve(counter, b.capNanoUsd(), estimate, runtime.leaseMs, endMs);
            switch (a) {
                case Ledger.Admitted ok -> {
                    return ok.reservation();
                }
                case Ledger.Exhausted x -> throw exceeded(b, x.spent(), end, "exceeded");
                case Ledger.Unavailable u -> {
                    runtime.metrics.increment(REJECTIONS, "budget", b.name(), "reason", "unavailable");
                    throw new GatewayException(ErrorCode.SERVICE_UNAVAILABLE, "budget '" + b.name()
                            + "' cannot be checked: " + u.reason());
                }
                case Ledger.Held h -> {
                    if (System.nanoTime() >= deadline) {
                        throw exceeded(b, h.spent(), end, "held by requests in flight");
                    }
                    try {
                        Thread.sleep(POLL_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw exceeded(b, h.spent(), end, "held by requests in flight");
                    }
                }
            }
        }
    }

    private GatewayException exceeded(Budget b, long spent, ZonedDateTime end, String why) {
        runtime.metrics.increment(REJECTIONS, "budget", b.name(), "reason", why.equals("exceeded") ? "exceeded" : "held");
        Instant reset = end.toInstant();
        long retry = Math.max(1, Duration.between(runtime.clock.instant(), reset).toSeconds());
        String resetText = DateTimeFormatter.ISO_INSTANT.format(reset);
        String message = why.equals("exceeded")
                ? "budget '" + b.name() + "' exceeded: spent $" + usd(spent) + " of $" + usd(b.capNanoUsd())
                + " this " + b.period() + "; resets at " + resetText
                : "budget '" + b.name() + "' exhausted: the rest of $" + usd(b.capNanoUsd()) + " this " + b.period()
                + " is held by requests in flight (spent $" + usd(spent) + "); resets at " + resetText;
        Headers h = Headers.builder().set(RESET_HEADER, resetText).set("retry-after", Long.toString(retry)).build();
        return GatewayException.withHeaders(ErrorCode.BUDGET_EXCEEDED, message, Duration.ofSeconds(retry), h);
    }

    static String usd(long nanoUsd) {
        return BigDecimal.valueOf(nanoUsd, 9).setScale(nanoUsd != 0 && Math.abs(nanoUsd) < 10_000_000 ? 6 : 2,
                RoundingMode.HALF_UP).toPlainString();
    }


    private void settle(Exchange exchange, Completion c, List<BudgetPlan.Applied> applied, String[] counters,
                        long[] ends, Ledger.Reservation[] held, String estimateKey) {
        long priced = Model.Cost.of(exchange); // -1: unpriced, or nothing reported (a failure)
        long cost = Math.max(0, priced);
        if (priced >= 0 || exchange.attr(CoreAttrs.USAGE).isPresent()) {
            runtime.learn(estimateKey, cost);
        }
        List<String> alerts = null;
        for (int i = 0; i < applied.size(); i++) {
            Budget b = applied.get(i).budget();
            long total = runtime.ledger.charge(counters[i], held[i], cost, ends[i]);
            runtime.seen(b, applied.get(i).subject(), total, ends[i]);
            if (cost <= 0) {
                continue;
            }
            long before = total - cost;
            for (int t = 0; t < THRESHOLDS.length; t++) {
                long mark = BigDecimal.valueOf(b.capNanoUsd()).multiply(BigDecimal.valueOf(THRESHOLDS[t]))
                        .divide(BigDecimal.valueOf(100), RoundingMode.CEILING).longValue();
                if (before < mark && total >= mark) {
                    if (alerts == null) {
                        alerts = new ArrayList<>(2);
                    }
                    alerts.add(b.name() + ":" + THRESHOLD_LABELS[t]);
                    runtime.metrics.increment(CROSSINGS, "budget", b.name(), "threshold", THRESHOLD_LABELS[t]);
                    LOG.warning("budget '" + b.name() + "' (" + b.scope() + (applied.get(i).subject().equals("*") ? ""
                            : " " + applied.get(i).subject()) + ") reached " + THRESHOLD_LABELS[t] + "%: $"
                            + usd(total) + " of $" + usd(b.capNanoUsd()) + " this " + b.period()
                            + (b.hard() ? "" : " (warn only)"));
                }
            }
        }
        if (alerts != null) {
            exchange.attr(CoreAttrs.BUDGET_ALERTS, List.copyOf(alerts));
        }
    }
}
