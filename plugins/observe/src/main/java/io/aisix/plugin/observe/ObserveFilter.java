package io.aisix.plugin.observe;

import io.aisix.spi.Chain;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.GatewayException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wraps everything after it. Registers a completion callback when the chain behind it returned or
 * threw (so it runs after the callbacks of the filters behind it), and the request is recorded
 * once, after its response (or stream) ended, whatever happened: an answer, a reject thrown as
 * {@link GatewayException} (caught here to keep its details, then rethrown untouched), a broken
 * stream or a client that went away. Never fails or slows the request: recording runs after the
 * response was written, and logging and exporting only enqueue.
 *
 * <p>Built per snapshot without exporters; {@link #live} hands it the {@link ExporterSet} once its
 * snapshot was activated, and {@link #close} (the kernel closes it when no request runs it any
 * more) releases that set. A request that starts in the instant between the swap and the
 * activation decides on content capture with the previous exporters, and is recorded (after its
 * response) with its own snapshot's exporters.
 */
final class ObserveFilter implements Filter, AutoCloseable {
    /** The longest a finished request waits for its snapshot's activation before it is recorded. */
    static final long ACTIVATION_WAIT_MS = 2_000;
    private static final ExporterSet CLOSED = new ExporterSet(java.util.List.of());

    final ObserveRuntime runtime;
    private final AtomicReference<ExporterSet> exporters = new AtomicReference<>();
    private final CountDownLatch settled = new CountDownLatch(1);

    ObserveFilter(ObserveRuntime runtime) {
        this.runtime = runtime;
    }

    /** The exporters of this filter's snapshot, once it is live. */
    void live(ExporterSet set) {
        if (!exporters.compareAndSet(null, set)) {
            runtime.hub.release(set); // closed already
        }
        settled.countDown();
    }

    @Override
    public void close() {
        ExporterSet set = exporters.getAndSet(CLOSED);
        settled.countDown();
        if (set != null && set != CLOSED) {
            runtime.hub.release(set);
        }
    }

    /** Now: this snapshot's exporters, else (not activated yet) the latest activated ones. */
    private ExporterSet current() {
        ExporterSet set = exporters.get();
        return set == null || set == CLOSED ? runtime.hub.latest() : set;
    }

    /** For a finished request: this snapshot's exporters, waiting (bounded) for its activation. */
    ExporterSet exporters() {
        if (exporters.get() == null) {
            try {
                settled.await(ACTIVATION_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return current();
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        RequestObservation obs = new RequestObservation(this, exchange, captureFor(current(), exchange.requestId()));
        Response response;
        try {
            response = chain.proceed(exchange);
        } catch (GatewayException e) {
            obs.rejected(e);
            throw e;
        } finally {
            // registered after the filters behind this one registered theirs, so the record runs
            // last and sees what their completion callbacks set (the budget plugin's alerts)
            exchange.onComplete(obs);
        }
        return obs.capture == null ? response : obs.capture.wrap(response);
    }

    /** Collect text only when an exporter in {@code content_mode: full} samples this request. */
    private static ContentCapture captureFor(ExporterSet set, String requestId) {
        for (ExporterSink s : set.contentSinks) {
            if (s.sampled(requestId)) {
                return new ContentCapture(set.contentMaxChars);
            }
        }
        return null;
    }
}
