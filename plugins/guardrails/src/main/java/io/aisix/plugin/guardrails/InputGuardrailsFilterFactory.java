package io.aisix.plugin.guardrails;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import java.util.List;
import java.util.Optional;

/**
 * Input guardrails ({@link Stage#GUARD_INPUT}): checks the prompt of every request before any
 * upstream call, so a blocked request costs no rate-limit slot and no upstream tokens. A block
 * answers 422 {@code content_filter}; masks rewrite the request with
 * {@link io.aisix.spi.Exchange#replaceJson}, so the upstream and the cache key see the masked
 * text. No filter is built for a snapshot without enabled input guardrails.
 */
public final class InputGuardrailsFilterFactory implements FilterFactory {
    private final GuardrailCompiler compiler = new GuardrailCompiler("input");

    @Override
    public String id() {
        return "guardrails-input";
    }

    @Override
    public Stage stage() {
        return Stage.GUARD_INPUT;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        List<CompiledGuardrail> all = compiler.compile(context);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        boolean allGlobal = all.stream().allMatch(CompiledGuardrail::global);
        Guard guard = new Guard(context.plugin().metrics(), Phase.INPUT);
        return Optional.of((exchange, chain) -> {
            if (exchange.endpoint() == Endpoint.MODELS) {
                return chain.proceed(exchange);
            }
            List<CompiledGuardrail> applicable = CompiledGuardrail.select(all, allGlobal, exchange);
            if (!applicable.isEmpty()) {
                var body = exchange.json();
                if (guard.enforce(exchange, applicable, TextSurfaces.request(body))) {
                    exchange.replaceJson(body);
                }
            }
            return chain.proceed(exchange);
        });
    }
}
