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

    /** The HTTP method as received ({@code POST}, {@code GET}); the endpoint's own unless it accepts any. */
    String method();

    /** Request path without the query string. */
    String path();

    /**
     * The endpoint the path was routed to, fixed before the chain runs; a filter of a
     * plugin-contributed endpoint recognises its requests by identity ({@code == ENDPOINT}).
     */
    Endpoint endpoint();

    /** The caller's request headers, as received (names case-insensitive); never modified by the chain. */
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

    /**
     * Replaces the request id (the request-id plugin adopts a trusted caller header at ingress). Log
     * lines, the answer's {@code x-aisix-request-id} and the usage event carry the id current when
     * they are written, so replace it early.
     *
     * @param requestId the new id, not {@code null}
     */
    void requestId(String requestId);

    /** Monotonic time ({@link System#nanoTime()}) when the request arrived. */
    long startNanos();

    /**
     * An attribute set earlier in the chain (see {@link CoreAttrs}), or empty when none was set.
     *
     * @param key the attribute's key; identity, not name, selects the value
     * @param <T> the attribute's type
     * @return the value, never {@code null}
     */
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
