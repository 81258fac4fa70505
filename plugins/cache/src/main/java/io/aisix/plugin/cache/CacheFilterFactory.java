package io.aisix.plugin.cache;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.resource.CachePolicy;
import io.aisix.support.resource.CoreKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The response cache ({@code cache_policies}) at {@link Stage#CACHE}, order 100.
 *
 * <p>Per snapshot it indexes the enabled policies whose {@code backend} is available (see
 * {@link io.aisix.spi.PluginContext#cacheBackends()}: {@code memory} always, {@code redis} when
 * {@code cache.redis} is configured). A policy naming a backend that is not available is left out
 * with one warning, never silently served from another backend. No usable policy: no filter.
 */
public final class CacheFilterFactory implements FilterFactory {
    private static final Logger LOG = Logger.getLogger(CacheFilterFactory.class.getName());

    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    @Override
    public String id() {
        return "cache";
    }

    @Override
    public Stage stage() {
        return Stage.CACHE;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Map<String, CacheBackend> backends = context.plugin().cacheBackends();
        List<CachePolicy> usable = new ArrayList<>();
        for (CachePolicy p : context.snapshot().all(CoreKinds.CACHE_POLICIES).values()) {
            if (!p.enabled()) {
                continue;
            }
            if (!backends.containsKey(p.backend())) {
                if (warned.add(p.id() + "/" + p.backend())) {
                    LOG.warning("cache policy '" + p.name() + "' uses backend '" + p.backend()
                            + "', which is not configured (cache." + p.backend() + "); the policy is ignored");
                }
                continue;
            }
            usable.add(p);
        }
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new CacheFilter(new PolicyIndex(usable), Map.copyOf(backends), context.plugin().metrics()));
    }
}
