package io.aisix.plugin.authapikey;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.resource.CallerKey;
import io.aisix.support.resource.CoreKinds;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the caller-key filter for a snapshot: an index from SHA-256 (hex) to {@code api_keys}
 * resource, built once here so a request costs one hash and one map lookup, and again only when
 * the snapshot's {@code api_keys} changed.
 */
public final class ApiKeyAuthFilterFactory implements FilterFactory {
    /** The index and the {@code api_keys} map it was built from. */
    private record Index(Map<String, CallerKey> source, Map<String, CallerKey> byHash) {
    }

    private volatile Index last;

    @Override
    public String id() {
        return "auth-api-key";
    }

    @Override
    public Stage stage() {
        return Stage.AUTH;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Map<String, CallerKey> keys = context.snapshot().all(CoreKinds.API_KEYS);
        Index index = last;
        if (index == null || index.source() != keys) {
            Map<String, CallerKey> byHash = new HashMap<>();
            for (CallerKey k : keys.values()) {
                byHash.putIfAbsent(k.keyHash(), k);
            }
            index = new Index(keys, Map.copyOf(byHash));
            last = index;
        }
        return Optional.of(new ApiKeyAuthFilter(index.byHash(), context.plugin().clock()));
    }
}
