package io.aisix.plugin.guardrails;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test OBSERVE filter that records each request's guardrail outcome once the response ended. */
public final class OutcomeRecorder implements FilterFactory {
    static final List<String> OUTCOMES = new CopyOnWriteArrayList<>();

    @Override
    public String id() {
        return "test-outcome-recorder";
    }

    @Override
    public Stage stage() {
        return Stage.OBSERVE;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of((exchange, chain) -> {
            exchange.onComplete(c -> OUTCOMES.add(exchange.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElse("none")));
            return chain.proceed(exchange);
        });
    }
}
