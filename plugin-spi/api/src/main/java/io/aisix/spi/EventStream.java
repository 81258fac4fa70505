package io.aisix.spi;

import java.util.Optional;

/**
 * A pull stream of decoded events from an upstream (or a cache replay).
 *
 * <p>Contract: {@link #next()} blocks until the next event arrives and returns it as soon as it is
 * decoded (never batched to the end); it returns empty once, at a clean end of stream, and throws
 * {@link io.aisix.spi.error.GatewayException} for a broken or timed-out upstream stream.
 * {@link #close()} may be called at any time from the consuming thread (the caller went away,
 * a guardrail blocked) and must cancel the upstream call; it is idempotent.
 *
 * <p>Filters wrap streams to observe or change events; a wrapper must forward {@code close()}.
 */
public interface EventStream extends AutoCloseable {

    /** The next event, or empty at the clean end of the stream. */
    Optional<SseEvent> next();

    /** Releases the stream and cancels the upstream call if it is still running. */
    @Override
    void close();

    /** A stream over a fixed list of events (cache replays, tests). */
    static EventStream of(java.util.List<SseEvent> events) {
        java.util.Iterator<SseEvent> it = events.iterator();
        return new EventStream() {
            @Override
            public Optional<SseEvent> next() {
                return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
            }

            @Override
            public void close() {
            }
        };
    }
}
