package io.aisix.spi.provider;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Response;

/**
 * Speaks one upstream wire family, discovered with {@link java.util.ServiceLoader}.
 *
 * <p>Contract: {@link #invoke} takes the canonical OpenAI-shaped request in
 * {@code exchange.json()} (for {@link Endpoint#MESSAGES} the chat-completions shape), calls the
 * upstream through the given {@link UpstreamClient} and answers in the canonical OpenAI shape:
 * a JSON body or, for {@code stream: true}, an {@link io.aisix.spi.EventStream} of
 * {@code chat.completion.chunk} events without the {@code [DONE]} sentinel. The response
 * {@code model} is {@link Target#alias()}. Usage is published in
 * {@link io.aisix.spi.CoreAttrs#USAGE} as soon as it is known (for streams, when the usage
 * chunk arrives). Two exceptions keep a request in its caller's wire: an adapter whose upstream
 * speaks the inbound dialect of {@link Endpoint#MESSAGES} may send
 * {@link io.aisix.spi.CoreAttrs#INBOUND_REQUEST} as it is and answer in that dialect (the ingress
 * filter passes such an answer through), and {@link Endpoint#RESPONSES} is answered in the
 * Responses shape, natively or bridged through the adapter's chat completions. A non-2xx upstream answer is thrown as
 * {@link io.aisix.spi.error.GatewayException#upstreamStatus}; transport failures and timeouts as
 * {@code UPSTREAM_ERROR} and {@code TIMEOUT}. The adapter must never buffer a stream to its end.
 */
public interface ProviderAdapter {

    /** The adapter id that {@code provider} / {@code adapter} fields name, for example {@code openai}. */
    String id();

    /** Whether this adapter can serve an endpoint family (checked before the call). */
    boolean supports(Endpoint endpoint);

    /**
     * Calls the upstream of {@code target} for the request and answers in the canonical shape (see
     * above). Called by the kernel's dispatcher on the request's thread, once per upstream try
     * (a retry or a fallback is another call, with its own target), only for an endpoint
     * {@link #supports} accepts; concurrently for many requests, so an adapter is stateless or
     * thread-safe.
     *
     * @param exchange the request; {@link io.aisix.spi.CoreAttrs#TARGET} is {@code target}
     * @param target   the model, provider key and upstream model to call
     * @param upstream the client to call through (pooled; applies proxy, TLS and timeouts)
     * @return the answer, never {@code null}; a stream is returned before it is read
     * @throws io.aisix.spi.error.GatewayException for a non-2xx upstream answer, a transport
     *         failure or a timeout, as described above
     */
    Response invoke(Exchange exchange, Target target, UpstreamClient upstream);
}
