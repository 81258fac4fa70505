package io.aisix.plugin.observe;

import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageStats;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.PassthroughRoute;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One request's record, written when the kernel reports the end of its response: the request
 * metrics, then one {@link UsageEvent} for the access log and the sampling exporters.
 *
 * <p>Metric families (labels from configuration only, see {@link Labels}):
 * {@code aisix_requests_total{route,model,provider,status}} (status 499 when the caller went away),
 * {@code aisix_request_duration_seconds{route,model,provider}},
 * {@code aisix_time_to_first_token_seconds{model,provider}} (successful streams),
 * {@code aisix_tokens_total{model,provider,type}} and {@code aisix_auth_failures_total{reason}}
 * (401 codes and {@code permission_denied}), and for priced models (their {@code cost})
 * {@code aisix_cost_usd_total{key,model,provider}} (the answering target's prices times the usage it
 * reported; failed tries report no usage and cost nothing) and
 * {@code aisix_cost_saved_usd_total{key,model,provider}} (cache hits, at the first candidate's prices).
 */
final class RequestObservation implements Consumer<Completion> {
    private static final Logger LOG = Logger.getLogger(RequestObservation.class.getName());

    private final ObserveFilter filter;
    private final Exchange ex;
    final ContentCapture capture;
    private GatewayException rejected;

    RequestObservation(ObserveFilter filter, Exchange ex, ContentCapture capture) {
        this.filter = filter;
        this.ex = ex;
        this.capture = capture;
    }

    void rejected(GatewayException e) {
        this.rejected = e;
    }

    @Override
    public void accept(Completion c) {
        try {
            record(c);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "request " + ex.requestId() + " could not be recorded", e);
        }
    }

    /*
     * Each attribute is read once and nothing is wrapped in Optional chains or lambdas: this runs
     * for every request, and those reads and allocations were a tenth of its cost.
     */
    private void record(Completion c) {
        GatewayMetrics m = filter.runtime.metrics;
        long start = ex.startNanos();
        long duration = Math.max(0, c.endNanos() - start);
        int status = c.clientDisconnected() && !c.completed() ? 499 : c.status();
        Optional<ErrorCode> error = c.error();
        if (error.isEmpty() && rejected != null) {
            error = Optional.ofNullable(rejected.code());
        }
        PassthroughRoute passthrough = ex.attr(CoreAttrs.PASSTHROUGH_ROUTE).orElse(null);
        Target target = ex.attr(CoreAttrs.TARGET).orElse(null);
        // a passthrough request is labelled with its route's prefix: bounded by the configured routes
        String route = passthrough != null ? Labels.or(passthrough.pathPrefix(), ex.endpoint().path())
                : ex.endpoint().path();
        String model = Labels.model(ex, passthrough);
        String provider = Labels.provider(ex, passthrough, target);

        m.observe("aisix_request_duration_seconds", duration / 1e9, "route", route, "model", model,
                "provider", provider);
        Long firstByte = ex.attr(CoreAttrs.FIRST_BYTE_NANOS).orElse(null);
        Optional<Long> ttft = firstByte == null ? Optional.empty() : Optional.of(Math.max(0, firstByte - start));
        if (c.streamed() && firstByte != null && status < 400 && error.isEmpty()) {
            m.observe("aisix_time_to_first_token_seconds", ttft.get() / 1e9, "model", model, "provider", provider);
        }
        Usage usage = ex.attr(CoreAttrs.USAGE).orElse(null);
        if (usage != null) {
            m.add("aisix_tokens_total", usage.promptTokens(), "model", model, "provider", provider,
                    "type", "prompt");
            m.add("aisix_tokens_total", usage.completionTokens(), "model", model, "provider", provider,
                    "type", "completion");
            // parts of the prompt count, reported for prompt-caching providers only
            if (usage.cacheReadTokens() > 0) {
                m.add("aisix_tokens_total", usage.cacheReadTokens(), "model", model, "provider", provider,
                        "type", "cache_read");
            }
            if (usage.cacheCreationTokens() > 0) {
                m.add("aisix_tokens_total", usage.cacheCreationTokens(), "model", model, "provider", provider,
                        "type", "cache_creation");
            }
        }
        long costNanos = -1; // unpriced
        long savedNanos = 0;
        String cacheStatus = ex.attr(CoreAttrs.CACHE_STATUS).orElse(null);
        long answered = Model.Cost.of(ex);
        if (answered >= 0) {
            costNanos = answered;
        } else if ("hit".equals(cacheStatus)) {
            // a hit called no upstream: it cost nothing, and saved what the stored answer's usage
            // costs at the prices of the target the request would have gone to first
            Target first = target != null ? target : Labels.firstCandidate(ex);
            if (first != null && first.model().cost().isPresent()) {
                costNanos = 0;
                Usage cached = ex.attr(CoreAttrs.CACHED_USAGE).orElse(null);
                savedNanos = cached != null ? first.model().cost().get().nanoUsd(cached) : 0;
            }
        }
        CallerKey caller = ex.attr(CoreAttrs.CALLER).orElse(null);
        if (costNanos > 0 || savedNanos > 0) {
            String key = caller != null ? Labels.or(caller.id(), Labels.UNKNOWN) : Labels.UNKNOWN;
            if (costNanos > 0) {
                m.add("aisix_cost_usd_total", Model.Cost.usd(costNanos), "key", key, "model", model,
                        "provider", provider);
            }
            if (savedNanos > 0) {
                m.add("aisix_cost_saved_usd_total", Model.Cost.usd(savedNanos), "key", key, "model", model,
                        "provider", provider);
            }
        }
        if (error.isPresent()) {
            switch (error.get()) {
                case INVALID_API_KEY, API_KEY_DISABLED, API_KEY_EXPIRED, PERMISSION_DENIED ->
                        m.increment("aisix_auth_failures_total", "reason", error.get().code());
                default -> {
                }
            }
        }
        // last, so a scrape that sees the request counted also sees its other series
        m.increment("aisix_requests_total", "route", route, "model", model, "provider", provider,
                "status", Labels.status(status));
        // resolved at the end: by then the snapshot the request ran on has surely been activated
        ExporterSet exporters = filter.exporters();
        UsageStats stats = filter.runtime.stats.orElse(null);
        AccessLog accessLog = filter.runtime.accessLog.orElse(null);
        if (exporters.sinks.isEmpty() && accessLog == null && stats == null) {
            return;
        }
        AttemptLog attempts = ex.attr(AttemptLog.KEY).orElse(null);
        UsageEvent event = new UsageEvent(
                ex.requestId(),
                startInstant(start),
                duration,
                ttft,
                route,
                caller != null ? Labels.or(caller.id(), "") : "",
                ex.attr(CoreAttrs.ALIAS).orElse(""),
                target != null ? Labels.or(Labels.provider(target), "") : "",
                target != null ? Labels.or(target.upstreamModel(), "") : "",
                status,
                error.isPresent() ? error.get().code() : "",
                usage != null ? usage.promptTokens() : 0L,
                usage != null ? usage.completionTokens() : 0L,
                usage != null ? usage.cacheReadTokens() : 0L,
                usage != null ? usage.cacheCreationTokens() : 0L,
                cacheStatus != null ? cacheStatus : "",
                ex.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElse(""),
                ex.attr(CoreAttrs.ATTEMPTS).orElse(0),
                c.streamed(),
                attempts != null ? attempts.attempts() : List.of(),
                capture == null ? Optional.empty() : capture.prompt(ex),
                capture == null ? Optional.empty() : capture.completion(),
                c.cut(),
                spend(costNanos, savedNanos, ex.attr(CoreAttrs.BUDGET_ALERTS)));
        if (stats != null) {
            stats.record(event);
        }
        if (accessLog != null) {
            accessLog.offer(event);
        }
        for (ExporterSink s : exporters.sinks) {
            if (s.sampled(event.requestId())) {
                s.offer(event);
            }
        }
    }

    /** Null for an unpriced request without budget alerts: most requests allocate nothing for spend. */
    private static UsageEvent.Spend spend(long costNanos, long savedNanos, Optional<List<String>> alerts) {
        if (costNanos < 0 && alerts.isEmpty()) {
            return null;
        }
        return new UsageEvent.Spend(costNanos < 0 ? Double.NaN : Model.Cost.usd(costNanos), Model.Cost.usd(savedNanos),
                alerts.orElse(List.of()));
    }

    private Instant startInstant(long startNanos) {
        return filter.runtime.clock.instant().minusNanos(Math.max(0, System.nanoTime() - startNanos));
    }
}
