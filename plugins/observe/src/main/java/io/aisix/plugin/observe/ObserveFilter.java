package io.aisix.plugin.observe;

import io.aisix.spi.Chain;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.GatewayException;
import java.util.List;

/**
 * Wraps everything after it. Registers a completion callback first, so the request is recorded
 * once, after its response (or stream) ended, whatever happened: an answer, a reject thrown as
 * {@link GatewayException} (caught here to keep its details, then rethrown untouched), a broken
 * stream or a client that went away. Never fails or slows the request: recording runs after the
 * response was written, and logging and exporting only enqueue.
 */
final class ObserveFilter implements Filter {
    final ObserveRuntime runtime;
    final List<ExporterSink> sinks;
    private final List<ExporterSink> contentSinks;
    private final int contentMaxChars;
    final boolean events;

    ObserveFilter(ObserveRuntime runtime, List<ExporterSink> sinks) {
        this.runtime = runtime;
        this.sinks = sinks;
        this.contentSinks = sinks.stream().filter(ExporterSink::wantsContent).toList();
        this.contentMaxChars = contentSinks.stream().mapToInt(ExporterSink::contentMaxBytes).max().orElse(0);
        this.events = !sinks.isEmpty() || runtime.accessLog.isPresent();
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        RequestObservation obs = new RequestObservation(this, exchange, captureFor(exchange.requestId()));
        exchange.onComplete(obs);
        Response response;
        try {
            response = chain.proceed(exchange);
        } catch (GatewayException e) {
            obs.rejected(e);
            throw e;
        }
        return obs.capture == null ? response : obs.capture.wrap(response);
    }

    /** Collect text only when an exporter in {@code content_mode: full} samples this request. */
    private ContentCapture captureFor(String requestId) {
        for (ExporterSink s : contentSinks) {
            if (s.sampled(requestId)) {
                return new ContentCapture(contentMaxChars);
            }
        }
        return null;
    }
}
