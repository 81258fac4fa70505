package io.aisix.plugin.observe;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Stage;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.provider.Target;
import java.util.Optional;

/**
 * The observe plugin's per-try filter ({@link Stage#ATTEMPT}, order 10000, so it sits right before
 * the provider adapter). For every upstream try, failed ones included:
 * {@code aisix_upstream_duration_seconds{model,provider,outcome}}, from the call to the end of the
 * answer (the last event for streams), {@code aisix_upstream_attempts_total{model,provider,status}},
 * and an entry in the request's usage event ({@link UsageEvent#upstreamAttempts()}). {@code model}
 * is the configured alias of the direct model tried; {@code outcome} is {@code ok}, {@code error}
 * or {@code cancelled} (the stream was closed before its end); {@code status} is the upstream's
 * HTTP status, or the gateway's for a failure without one (504 timeout, 502 transport error).
 */
public final class UpstreamTimingFilterFactory implements FilterFactory {
    static final String UPSTREAM = "aisix_upstream_duration_seconds";
    static final String ATTEMPTS = "aisix_upstream_attempts_total";

    @Override
    public String id() {
        return "observe:upstream";
    }

    @Override
    public Stage stage() {
        return Stage.ATTEMPT;
    }

    @Override
    public int order() {
        return 10_000;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        GatewayMetrics metrics = context.plugin().metrics();
        return Optional.of((exchange, chain) -> {
            exchange.attr(CoreAttrs.PROVIDER_REQUEST_ID, null); // a previous try's must not stick to this one
            Timing timing = new Timing(metrics, exchange, System.nanoTime());
            Response r;
            try {
                r = chain.proceed(exchange);
            } catch (GatewayException e) {
                timing.failed(e);
                throw e;
            } catch (RuntimeException e) {
                timing.end("error", 500, "internal_error");
                throw e;
            }
            if (r instanceof Response.Streaming s) {
                return new Response.Streaming(s.status(), s.headers(), new TimedStream(s.events(), timing, s.status()));
            }
            timing.end("ok", r.status(), "");
            return r;
        });
    }

    /** Records one try once: its metrics and its entry in the request's attempt log. */
    private static final class Timing {
        private final GatewayMetrics metrics;
        private final Exchange exchange;
        /** The target tried, or null. */
        private final Target target;
        private final String model;
        private final String provider;
        private final long start;
        private boolean done;

        Timing(GatewayMetrics metrics, Exchange exchange, long start) {
            this.metrics = metrics;
            this.exchange = exchange;
            this.target = exchange.attr(CoreAttrs.TARGET).orElse(null);
            this.model = target != null ? Labels.or(target.model().displayName(), Labels.UNKNOWN) : Labels.UNKNOWN;
            this.provider = target != null ? Labels.or(Labels.provider(target), Labels.UNKNOWN) : Labels.UNKNOWN;
            this.start = start;
        }

        void failed(GatewayException e) {
            end("error", e.upstreamStatus() != 0 ? e.upstreamStatus() : e.status(), e.code().code());
        }

        void end(String outcome, int status, String errorCode) {
            if (done) {
                return;
            }
            done = true;
            long duration = System.nanoTime() - start;
            metrics.observe(UPSTREAM, duration / 1e9, "model", model, "provider", provider, "outcome", outcome);
            metrics.increment(ATTEMPTS, "model", model, "provider", provider, "status", Labels.status(status));
            AttemptLog log = exchange.attr(AttemptLog.KEY).orElse(null);
            if (log == null) {
                log = new AttemptLog();
                exchange.attr(AttemptLog.KEY, log);
            }
            log.add(new UsageEvent.Attempt(log.size() + 1, target != null ? Labels.or(target.servedBy(), "") : "",
                    target != null ? Labels.or(Labels.provider(target), "") : "",
                    target != null ? Labels.or(target.upstreamModel(), "") : "", status,
                    errorCode, Math.max(0, start - exchange.startNanos()), duration,
                    exchange.attr(CoreAttrs.PROVIDER_REQUEST_ID).orElse("")));
        }
    }

    private static final class TimedStream implements EventStream {
        private final EventStream in;
        private final Timing timing;
        private final int status;

        TimedStream(EventStream in, Timing timing, int status) {
            this.in = in;
            this.timing = timing;
            this.status = status;
        }

        @Override
        public Optional<SseEvent> next() {
            Optional<SseEvent> e;
            try {
                e = in.next();
            } catch (GatewayException ex) {
                timing.failed(ex);
                throw ex;
            }
            if (e.isEmpty()) {
                timing.end("ok", status, "");
            }
            return e;
        }

        @Override
        public void close() {
            timing.end("cancelled", status, "");
            in.close();
        }
    }
}
