package io.aisix.providerkit;

import io.aisix.spi.EventStream;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.provider.SseReader;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An {@link EventStream} that reads an upstream event stream lazily and translates it event by
 * event: each {@link #next()} reads only as far as needed for the next output event, so nothing
 * is buffered to the end. {@link #close()} closes the upstream response, which cancels the call.
 *
 * <p>Subclasses implement {@link #onEvent}, calling {@link #emit} zero or more times per upstream
 * event and returning true once the upstream signalled its clean end (OpenAI's {@code [DONE]},
 * Anthropic's {@code message_stop}). An end of input without that signal calls {@link #onEof},
 * which by default fails as a broken stream. Read failures become {@code TIMEOUT} or
 * {@code UPSTREAM_ERROR}; an exception from {@code onEvent} that is not a
 * {@link GatewayException} becomes {@code UPSTREAM_ERROR}.
 */
public abstract class UpstreamEventStream implements EventStream {
    private final UpstreamResponse response;
    private final Supplier<Optional<SseEvent>> reader;
    private final ArrayDeque<SseEvent> pending = new ArrayDeque<>(4);
    private boolean ended;
    private boolean closed;

    protected UpstreamEventStream(UpstreamResponse response) {
        this(response, new SseReader(response.body())::next);
    }

    /**
     * A stream whose upstream frames are not SSE (AWS's binary event stream): {@code frames}
     * decodes the response body into events, empty at its end; read failures it throws are mapped
     * like the SSE reader's.
     */
    protected UpstreamEventStream(UpstreamResponse response, Supplier<Optional<SseEvent>> frames) {
        this.response = response;
        this.reader = frames;
    }

    /** Translates one upstream event; returns true when it was the upstream's end-of-stream marker. */
    protected abstract boolean onEvent(SseEvent event);

    /** Called at end of input when no end marker came; may {@link #emit} final events. */
    protected void onEof() {
        throw Upstreams.brokenStream();
    }

    /** Called once after the clean end (marker or accepted EOF), before the last events leave. */
    protected void onCleanEnd() {
    }

    protected final void emit(SseEvent event) {
        pending.add(event);
    }

    protected final void emit(String data) {
        pending.add(SseEvent.data(data));
    }

    @Override
    public final Optional<SseEvent> next() {
        while (true) {
            SseEvent p = pending.poll();
            if (p != null) {
                return Optional.of(p);
            }
            if (ended || closed) {
                return Optional.empty();
            }
            Optional<SseEvent> up;
            try {
                up = reader.get();
            } catch (RuntimeException e) {
                close();
                throw Upstreams.failure(e);
            }
            try {
                if (up.isEmpty()) {
                    ended = true;
                    onEof();
                    onCleanEnd();
                    close();
                } else if (onEvent(up.get())) {
                    ended = true;
                    onCleanEnd();
                    close();
                }
            } catch (GatewayException e) {
                close();
                throw e;
            } catch (RuntimeException e) {
                close();
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream sent an unreadable stream event", e);
            }
        }
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            response.close();
        } catch (RuntimeException ignored) {
            // the connection is gone either way
        }
    }
}
