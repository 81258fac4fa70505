package io.aisix.plugin.cache;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.StartupException;
import io.aisix.spi.cache.CacheBackend;
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
 * {@link io.aisix.spi.PluginContext#services} of {@link CacheBackend}: {@code memory} always,
 * {@code redis} when {@code plugins.cache-redis.url} is set). A policy naming a backend that is not available is left out
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

    /**
     * The backend {@code plugins.cache.backend} names must be on: an operator who set
     * {@code backend: redis} must not silently get no redis cache.
     */
    @Override
    public void start(PluginContext context) {
        context.metrics().describe("aisix_cache_requests_total", "Response cache lookups by policy and outcome");
        String wanted = context.config(CacheConfig.class).backend();
        if (!backends(context).containsKey(wanted)) {
            throw new StartupException("plugins.cache.backend", "is " + wanted + ", but no cache backend '" + wanted
                    + "' is on" + (wanted.equals("redis") ? " (set plugins.cache-redis.url; AISIX: cache.redis.url)"
                    : " (is its plugin installed and configured?)"));
        }
    }

    /** The backends that started and are on, by id. */
    static Map<String, CacheBackend> backends(PluginContext context) {
        Map<String, CacheBackend> out = new java.util.LinkedHashMap<>();
        context.services(CacheBackend.class).forEach(b -> out.putIfAbsent(b.id(), b));
        return out;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Map<String, CacheBackend> backends = backends(context.plugin());
        List<CachePolicy> usable = new ArrayList<>();
        for (CachePolicy p : context.snapshot().all(CachePoliciesKind.KIND).values()) {
            if (!p.enabled()) {
                continue;
            }
            if (!backends.containsKey(p.backend())) {
                if (warned.add(p.id() + "/" + p.backend())) {
                    LOG.warning("cache policy '" + p.name() + "' uses backend '" + p.backend()
                            + "', which is not on; the policy is ignored");
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
