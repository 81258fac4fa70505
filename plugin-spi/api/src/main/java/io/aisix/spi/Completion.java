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
 */
public record Completion(int status, Optional<ErrorCode> error, boolean streamed, boolean completed,
                         boolean clientDisconnected, long endNanos) {
}
