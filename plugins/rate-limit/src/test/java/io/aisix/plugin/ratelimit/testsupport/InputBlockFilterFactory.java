package io.aisix.plugin.ratelimit.testsupport;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.util.Optional;

/** A stand-in input guardrail at {@link Stage#GUARD_INPUT}: blocks requests carrying {@code x-test-block-input}. */
public final class InputBlockFilterFactory implements FilterFactory {
    @Override
    public String id() {
        return "test-input-block";
    }

    @Override
    public Stage stage() {
        return Stage.GUARD_INPUT;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of((exchange, chain) -> {
            if (exchange.requestHeaders().first("x-test-block-input").isPresent()) {
                throw new GatewayException(ErrorCode.CONTENT_FILTER, "request blocked by content policy (guardrail 'test')");
            }
            return chain.proceed(exchange);
        });
    }
}
