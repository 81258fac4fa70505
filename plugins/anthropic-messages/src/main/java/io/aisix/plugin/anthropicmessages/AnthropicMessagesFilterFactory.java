package io.aisix.plugin.anthropicmessages;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.List;
import java.util.Optional;

/**
 * The {@code anthropic-messages} ingress filter: contributes {@link Endpoint#MESSAGES}
 * ({@code POST /v1/messages}, the Anthropic wire, a dialect of chat completions) and
 * {@link Endpoint#COUNT_TOKENS} ({@code POST /v1/messages/count_tokens}), and serves messages on
 * any provider by translating the request into canonical chat completions and the answer back
 * (token counts are {@link CountTokensEstimateFilterFactory}'s). Stateless, so one instance
 * serves every snapshot.
 */
public final class AnthropicMessagesFilterFactory implements FilterFactory {
    public static final String ID = "anthropic-messages";
    private static final Filter FILTER = new AnthropicMessagesFilter();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(Endpoint.MESSAGES, Endpoint.COUNT_TOKENS);
    }

    @Override
    public Stage stage() {
        return Stage.INGRESS;
    }

    @Override
    public int order() {
        return 500;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of(FILTER);
    }
}
