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

    Response invoke(Exchange exchange, Target target, UpstreamClient upstream);
}
