package io.aisix.plugin.guardrails;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Stage;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import java.util.List;
import java.util.function.Function;

/**
 * Input guardrails ({@link Stage#GUARD_INPUT}): checks the prompt of every request before any
 * upstream call, so a blocked request costs no rate-limit slot and no upstream tokens. A block
 * answers 422 {@code content_filter}; masks rewrite the request with
 * {@link io.aisix.spi.Exchange#replaceJson}, so the upstream and the cache key see the masked
 * text, and the caller's own request ({@link CoreAttrs#INBOUND_REQUEST}, which an upstream of the
 * caller's dialect receives as sent) is masked the same way. No filter is built for a snapshot
 * without enabled input guardrails.
 */
public final class InputGuardrailsFilterFactory extends GuardrailsFilterFactory {
    public InputGuardrailsFilterFactory() {
        super("guardrails:input", Stage.GUARD_INPUT, Phase.INPUT);
    }

    @Override
    Filter filter(Guard guard, Function<Exchange, List<CompiledGuardrail>> applicableTo) {
        return (exchange, chain) -> {
            if (!inspected(exchange.endpoint())) {
                return chain.proceed(exchange);
            }
            List<CompiledGuardrail> applicable = applicableTo.apply(exchange);
            if (!applicable.isEmpty()) {
                var body = exchange.json();
                if (guard.enforce(exchange, applicable, TextSurfaces.request(body))) {
                    exchange.replaceJson(body);
                    exchange.attr(CoreAttrs.INBOUND_REQUEST).ifPresent(inbound ->
                            guard.maskAlso(applicable, TextSurfaces.request(inbound)));
                }
            }
            return chain.proceed(exchange);
        };
    }

    /**
     * Every endpoint whose request carries prompt text in its JSON; not {@code GET /v1/models},
     * token counting (nothing is generated), audio uploads and passthrough bodies (opaque here).
     */
    static boolean inspected(Endpoint endpoint) {
        return switch (endpoint) {
            case MODELS, COUNT_TOKENS, AUDIO_TRANSCRIPTIONS, PASSTHROUGH, MCP -> false;
            default -> true;
        };
    }
}
