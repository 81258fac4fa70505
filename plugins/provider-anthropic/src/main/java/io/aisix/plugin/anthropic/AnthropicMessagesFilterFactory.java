package io.aisix.plugin.anthropic;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.Optional;

/**
 * The {@code provider-anthropic:messages} ingress filter: serves {@code POST /v1/messages} (the Anthropic
 * wire) on any provider by translating the request into canonical chat completions and the
 * answer back. Stateless, so one instance serves every snapshot.
 */
public final class AnthropicMessagesFilterFactory implements FilterFactory {
    public static final String ID = "provider-anthropic:messages";
    private static final Filter FILTER = new AnthropicMessagesFilter();

    @Override
    public String id() {
        return ID;
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
