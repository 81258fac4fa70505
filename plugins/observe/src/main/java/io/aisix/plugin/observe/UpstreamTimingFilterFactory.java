package io.aisix.plugin.observe;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Stage;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.provider.Target;
import java.util.Optional;

/**
 * The observe plugin's per-try filter ({@link Stage#ATTEMPT}, order 10000, so it sits right before
 * the provider adapter): {@code aisix_upstream_duration_seconds{model,provider,outcome}} for every
 * upstream try, from the call to the end of the answer (the last event for streams). {@code model}
 * is the configured alias of the direct model tried; {@code outcome} is {@code ok}, {@code error}
 * or {@code cancelled} (the stream was closed before its end).
 */
public final class UpstreamTimingFilterFactory implements FilterFactory {
    static final String UPSTREAM = "aisix_upstream_duration_seconds";

    @Override
    public String id() {
        return "observe-upstream";
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
            Optional<Target> t = exchange.attr(CoreAttrs.TARGET);
            String model = t.map(x -> x.model().displayName()).orElse(Labels.UNKNOWN);
            String provider = t.map(Labels::provider).orElse(Labels.UNKNOWN);
            Timing timing = new Timing(metrics, model, provider, System.nanoTime());
            Response r;
            try {
                r = chain.proceed(exchange);
            } catch (RuntimeException e) {
                timing.end("error");
                throw e;
            }
            if (r instanceof Response.Streaming s) {
                return new Response.Streaming(s.status(), s.headers(), new TimedStream(s.events(), timing));
            }
            timing.end("ok");
            return r;
        });
    }

    /** Records one try once. */
    private static final class Timing {
        private final GatewayMetrics metrics;
        private final String model;
        private final String provider;
        private final long start;
        private boolean done;

        Timing(GatewayMetrics metrics, String model, String provider, long start) {
            this.metrics = metrics;
            this.model = model;
            this.provider = provider;
            this.start = start;
        }

        void end(String outcome) {
            if (!done) {
                done = true;
                metrics.observe(UPSTREAM, (System.nanoTime() - start) / 1e9, "model", model, "provider", provider,
                        "outcome", outcome);
            }
        }
    }

    private static final class TimedStream implements EventStream {
        private final EventStream in;
        private final Timing timing;

        TimedStream(EventStream in, Timing timing) {
            this.in = in;
            this.timing = timing;
        }

        @Override
        public Optional<SseEvent> next() {
            Optional<SseEvent> e;
            try {
                e = in.next();
            } catch (GatewayException ex) {
                timing.end("error");
                throw ex;
            }
            if (e.isEmpty()) {
                timing.end("ok");
            }
            return e;
        }

        @Override
        public void close() {
            timing.end("cancelled");
            in.close();
        }
    }
}
