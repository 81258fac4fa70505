package io.aisix.spi;

import io.aisix.spi.error.ErrorCode;
import java.util.Optional;

/**
 * How a request ended, handed to {@link Exchange#onComplete} callbacks.
 *
 * @param status            the HTTP status sent (or that would have been sent)
 * @param error             the error code when the request failed, before or after the first byte
 * @param streamed          true for an event-stream answer
 * @param completed         true when the full answer reached the caller (for streams: a clean end)
 * @param clientDisconnected true when the caller went away before the end
 * @param endNanos          {@link System#nanoTime()} when the response ended
 * @param cut               true for a stream the gateway ended early with an error event (an
 *                          upstream failure or timeout mid-stream, or the drain deadline of a
 *                          shutdown); never true when the caller went away
 */
public record Completion(int status, Optional<ErrorCode> error, boolean streamed, boolean completed,
                         boolean clientDisconnected, long endNanos, boolean cut) {

    /** A completion that was not cut. */
    public Completion(int status, Optional<ErrorCode> error, boolean streamed, boolean completed,
                      boolean clientDisconnected, long endNanos) {
        this(status, error, streamed, completed, clientDisconnected, endNanos, false);
    }
}
