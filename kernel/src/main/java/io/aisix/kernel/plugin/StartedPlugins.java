package io.aisix.kernel.plugin;

import io.aisix.kernel.config.ConfigException;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.StartupException;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.redis.RedisService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The plugins a gateway started, stopped in the reverse order: the shared Redis client first (offered
 * through the plugin context; it opens connections only when a plugin asks), cache backends next
 * (cache filters find the enabled ones through the plugin context), then the filter factories. A plugin's
 * {@link StartupException} stops the start as a {@link ConfigException} naming its key.
 */
public final class StartedPlugins {
    private static final Logger LOG = Logger.getLogger(StartedPlugins.class.getName());

    private final List<RedisService> redis = new ArrayList<>();
    private final List<CacheBackend> backends = new ArrayList<>();
    private final List<FilterFactory> filters = new ArrayList<>();

    /**
     * Starts every cache backend and filter factory of {@code plugins}; those started before a
     * failure stay listed for {@link #stop}. {@code keySpelling} turns a plugin's setting key into
     * the one the operator wrote (a failure names that).
     */
    public void start(PluginRegistry plugins, KernelPluginContext context, UnaryOperator<String> keySpelling) {
        redis.addAll(plugins.redisServices());
        context.registerAll(RedisService.class, redis);
        Map<String, CacheBackend> enabled = new LinkedHashMap<>();
        for (CacheBackend c : plugins.cacheBackends().values()) {
            try {
                boolean on = PluginCalls.get(c, () -> c.start(context));
                backends.add(c);
                if (on) {
                    enabled.put(c.id(), c);
                }
            } catch (StartupException e) {
                throw new ConfigException(keySpelling.apply(e.key()), e.getMessage(), e);
            }
        }
        context.registerAll(CacheBackend.class, enabled.values());
        for (FilterFactory f : plugins.filterFactories()) {
            try {
                PluginCalls.run(f, () -> f.start(context));
                filters.add(f);
            } catch (StartupException e) {
                throw new ConfigException(keySpelling.apply(e.key()), e.getMessage(), e);
            }
        }
    }

    /** Stops what was started, newest first; a plugin failing to stop is logged and the others still stop. */
    public void stop() {
        for (FilterFactory f : filters.reversed()) {
            try {
                PluginCalls.run(f, f::stop);
            } catch (RuntimeException e) {
                LOG.warning("plugin " + f.id() + " failed to stop: " + e);
            }
        }
        for (CacheBackend c : backends.reversed()) {
            try {
                PluginCalls.run(c, c::stop);
            } catch (RuntimeException e) {
                LOG.warning("cache backend " + c.id() + " failed to stop: " + e);
            }
        }
        for (RedisService r : redis) {
            try {
                PluginCalls.run(r, r::close);
            } catch (RuntimeException e) {
                LOG.warning("the Redis service failed to stop: " + e);
            }
        }
        redis.clear();
    }
}
