package io.aisix.plugin.authapikey;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.CoreKinds;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the caller-key filter for a snapshot: an index from SHA-256 (hex) to {@code api_keys}
 * resource, built once here so a request costs one hash and one map lookup.
 */
public final class ApiKeyAuthFilterFactory implements FilterFactory {

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
        Map<String, CallerKey> byHash = new HashMap<>();
        for (CallerKey k : context.snapshot().all(CoreKinds.API_KEYS).values()) {
            byHash.putIfAbsent(k.keyHash(), k);
        }
        return Optional.of(new ApiKeyAuthFilter(Map.copyOf(byHash), context.plugin().clock()));
    }
}
