package io.aisix.plugin.aliasresolver;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.Optional;

/** Builds the {@link AliasIndex} of a snapshot and the filter that resolves requests against it. */
public final class AliasResolverFilterFactory implements FilterFactory {

    @Override
    public String id() {
        return "alias-resolver";
    }

    @Override
    public Stage stage() {
        return Stage.RESOLVE;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of(new AliasResolverFilter(AliasIndex.build(context.snapshot(), context.plugin().adapterIds()),
                context.plugin().clock()));
    }
}
