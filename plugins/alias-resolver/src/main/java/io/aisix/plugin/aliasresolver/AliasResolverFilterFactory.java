package io.aisix.plugin.aliasresolver;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.resource.CoreKinds;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds the {@link AliasIndex} of a snapshot (again only when its models or provider keys
 * changed) and the filter that resolves requests against it.
 */
public final class AliasResolverFilterFactory implements FilterFactory {
    /** The index and the maps it was built from. */
    private record Built(Map<String, Model> models, Map<String, ProviderKey> keys, Set<String> adapterIds,
                         AliasIndex index) {
    }

    private volatile Built last;

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
        Map<String, Model> models = context.snapshot().all(CoreKinds.MODELS);
        Map<String, ProviderKey> keys = context.snapshot().all(CoreKinds.PROVIDER_KEYS);
        Set<String> adapterIds = context.plugin().services(ProviderAdapter.class).stream().map(ProviderAdapter::id)
                .collect(Collectors.toUnmodifiableSet());
        Built built = last;
        if (built == null || built.models() != models || built.keys() != keys || !built.adapterIds().equals(adapterIds)) {
            built = new Built(models, keys, adapterIds, AliasIndex.build(context.snapshot(), adapterIds));
            last = built;
        }
        return Optional.of(new AliasResolverFilter(built.index(), context.plugin().clock()));
    }
}
