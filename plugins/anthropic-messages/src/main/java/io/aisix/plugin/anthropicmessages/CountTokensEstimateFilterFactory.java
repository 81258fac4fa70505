package io.aisix.plugin.anthropicmessages;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.Optional;

/**
 * Answers {@code POST /v1/messages/count_tokens} with a {@link TokenEstimate} on a try whose
 * provider adapter has no token counter. Per try ({@link Stage#ATTEMPT}) and inside the per-try
 * telemetry (order above observe:upstream's 10000), so the estimate is seen as that try's answer,
 * exactly as an Anthropic upstream's count is. Stateless.
 */
public final class CountTokensEstimateFilterFactory implements FilterFactory {
    public static final String ID = "anthropic-messages:estimate";
    private static final Filter FILTER = new CountTokensEstimateFilter();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Stage stage() {
        return Stage.ATTEMPT;
    }

    @Override
    public int order() {
        return 20_000;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of(FILTER);
    }
}
