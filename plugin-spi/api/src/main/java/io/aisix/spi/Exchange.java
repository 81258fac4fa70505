package io.aisix.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.Snapshot;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One proxy request on its way through the chain. Owned by a single (virtual) thread from entry
 * to the end of the response, so it is not thread-safe and needs no locking.
 *
 * <p>The body is read once; {@link #json()} parses it once and caches the tree. A filter that
 * translates the request (an inbound dialect, a guardrail mask) replaces the tree with
 * {@link #replaceJson}; the raw bytes stay available for pass-through when nothing changed. So
 * change the body only through {@link #replaceJson}: an edit made in place on the tree {@link #json()}
 * returns is not seen by the upstream, which gets the caller's bytes while {@link #bodyModified()} is false.
 */
public interface Exchange {

    String method();

    /** Request path without the query string. */
    String path();

    Endpoint endpoint();

    Headers requestHeaders();

    /** The request body exactly as received (empty for GET). */
    byte[] body();

    /**
     * The body as a JSON object, parsed on first use.
     *
     * @throws io.aisix.spi.error.GatewayException {@code invalid_request_error} when the body is
     *         not a JSON object
     */
    ObjectNode json();

    /**
     * The streamed multipart body of an {@link Endpoint#streamedUpload()} endpoint; empty for
     * every other endpoint, whose {@link #body()} holds the request.
     */
    default Optional<Upload> upload() {
        return Optional.empty();
    }

    /** Replaces the request body tree; {@link #bodyModified()} becomes true. */
    void replaceJson(ObjectNode json);

    /** True when a filter changed the body since it was received. */
    boolean bodyModified();

    /** The configuration snapshot this request runs against; fixed for the request's life. */
    Snapshot snapshot();

    /** The request id ({@code x-aisix-request-id}), always set before the chain runs. */
    String requestId();

    void requestId(String requestId);

    /** Monotonic time ({@link System#nanoTime()}) when the request arrived. */
    long startNanos();

    <T> Optional<T> attr(AttrKey<T> key);

    /** Sets an attribute; {@code null} removes it. */
    <T> void attr(AttrKey<T> key, T value);

    /** Headers the kernel adds to whatever response leaves, error responses included. */
    Headers.Builder responseHeaders();

    /**
     * Registers a callback run once after the response has been written or abandoned: after the
     * last streamed event, a failure, or a client disconnect. Callbacks run in registration order;
     * an exception in one is logged and does not stop the others.
     */
    void onComplete(Consumer<Completion> callback);
}
