package io.aisix.kernel.plugin;

import io.aisix.kernel.config.ConfigException;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.redis.RedisService;
import io.aisix.spi.resource.ResourceKind;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Every extension the gateway found at startup: services on the host class path (tests,
 * embedding) and in {@code <plugins.dir>/<id>/*.jar}, each folder in its own
 * {@link PluginClassLoader}. Discovery happens once; the registry is immutable afterwards.
 * A duplicate id (the same filter, adapter or kind twice) stops startup, since which one wins
 * would otherwise depend on directory order.
 */
public final class PluginRegistry {
    private static final Logger LOG = Logger.getLogger(PluginRegistry.class.getName());

    private final List<FilterFactory> filterFactories;
    private final Map<String, ProviderAdapter> adapters;
    private final List<ResourceKind<?>> resourceKinds;
    private final Map<String, GuardrailKind> guardrailKinds;
    private final Map<String, ExporterKind> exporterKinds;
    private final Map<String, CacheBackend> cacheBackends;
    private final List<RedisService> redisServices;
    private final Map<String, PluginConfig<?>> configs;
    private final List<PluginInfo> plugins;

    private PluginRegistry(Builder b) {
        this.filterFactories = b.filters.values().stream().sorted(ORDER).toList();
        this.adapters = Map.copyOf(b.adapters);
        this.resourceKinds = List.copyOf(b.kinds.values());
        this.guardrailKinds = Map.copyOf(b.guardrails);
        this.exporterKinds = Map.copyOf(b.exporters);
        this.cacheBackends = Map.copyOf(b.caches);
        this.redisServices = List.copyOf(b.redis.values());
        this.configs = Map.copyOf(b.configs);
        this.plugins = List.copyOf(b.infos);
    }

    /**
     * Discovers services on {@code hostLoader} and in every sub-folder of {@code pluginsDir}
     * (which may be absent).
     */
    public static PluginRegistry load(Path pluginsDir, ClassLoader hostLoader) {
        Builder b = new Builder();
        b.scan("classpath", hostLoader, List.of());
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            List<Path> folders;
            try (Stream<Path> s = Files.list(pluginsDir)) {
                folders = s.filter(Files::isDirectory).sorted().toList();
            } catch (IOException e) {
                throw new ConfigException("plugins.dir", "cannot list " + pluginsDir + " (" + e.getMessage() + ")");
            }
            for (Path folder : folders) {
                List<Path> jars;
                try (Stream<Path> s = Files.list(folder)) {
                    jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
                } catch (IOException e) {
                    throw new ConfigException("plugins.dir", "cannot list " + folder + " (" + e.getMessage() + ")");
                }
                if (jars.isEmpty()) {
                    continue;
                }
                String id = folder.getFileName().toString();
                URL[] urls = new URL[jars.size()];
                for (int i = 0; i < urls.length; i++) {
                    try {
                        urls[i] = jars.get(i).toUri().toURL();
                    } catch (MalformedURLException e) {
                        throw new ConfigException("plugins.dir", "bad jar path " + jars.get(i));
                    }
                }
                b.scan(id, new PluginClassLoader(id, urls, hostLoader), jars);
            }
        }
        return new PluginRegistry(b);
    }

    /** Filter factories sorted by (stage, order, id). */
    public List<FilterFactory> filterFactories() {
        return filterFactories;
    }

    public Map<String, ProviderAdapter> adapters() {
        return adapters;
    }

    /** Resource kinds declared by plugins (the core kinds are not listed here). */
    public List<ResourceKind<?>> resourceKinds() {
        return resourceKinds;
    }

    public Map<String, GuardrailKind> guardrailKinds() {
        return guardrailKinds;
    }

    public Map<String, ExporterKind> exporterKinds() {
        return exporterKinds;
    }

    public Map<String, CacheBackend> cacheBackends() {
        return cacheBackends;
    }

    /** The shared Redis client ({@code plugins/redis}), at most one; empty when that plugin is not installed. */
    public List<RedisService> redisServices() {
        return redisServices;
    }

    /**
     * Why a configuration that {@link PluginConfig#needs needs} {@code type} cannot start here, or
     * empty when an installed plugin provides it.
     */
    public Optional<String> missing(Class<?> type) {
        if (type == RedisService.class) {
            return redisServices.isEmpty() ? Optional.of(RedisService.MISSING) : Optional.empty();
        }
        return Optional.of("needs " + type.getName() + ", which no installed plugin provides");
    }

    public List<PluginInfo> plugins() {
        return plugins;
    }

    /** The start-up configuration declarations, by plugin id. */
    public Map<String, PluginConfig<?>> configs() {
        return configs;
    }

    private static final class Builder {
        final Map<String, FilterFactory> filters = new LinkedHashMap<>();
        final Map<String, ProviderAdapter> adapters = new LinkedHashMap<>();
        final Map<String, ResourceKind<?>> kinds = new LinkedHashMap<>();
        final Map<String, GuardrailKind> guardrails = new LinkedHashMap<>();
        final Map<String, ExporterKind> exporters = new LinkedHashMap<>();
        final Map<String, CacheBackend> caches = new LinkedHashMap<>();
        final Map<String, RedisService> redis = new LinkedHashMap<>();
        final Map<String, PluginConfig<?>> configs = new LinkedHashMap<>();
        final List<PluginInfo> infos = new ArrayList<>();

        void scan(String pluginId, ClassLoader loader, List<Path> jars) {
            List<String> provides = new ArrayList<>();
            try {
                for (FilterFactory f : services(FilterFactory.class, loader)) {
                    if (!pluginId.equals("classpath") && !f.id().equals(pluginId) && !f.id().startsWith(pluginId + ":")) {
                        throw new ConfigException("plugins.dir", "plugin folder " + pluginId + " has the filter '"
                                + f.id() + "': a filter's id is its folder name, or <folder>:<part> when the folder "
                                + "has several");
                    }
                    put(filters, f.id(), f, "filter", pluginId);
                    provides.add("filter:" + f.id() + "@" + f.stage() + "/" + f.order());
                }
                for (ProviderAdapter a : services(ProviderAdapter.class, loader)) {
                    put(adapters, a.id(), a, "provider adapter", pluginId);
                    provides.add("adapter:" + a.id());
                }
                for (ResourceKind<?> k : services(ResourceKind.class, loader)) {
                    put(kinds, k.name(), k, "resource kind", pluginId);
                    provides.add("resource_kind:" + k.name());
                }
                for (GuardrailKind g : services(GuardrailKind.class, loader)) {
                    put(guardrails, g.kind(), g, "guardrail kind", pluginId);
                    provides.add("guardrail_kind:" + g.kind());
                }
                for (ExporterKind e : services(ExporterKind.class, loader)) {
                    put(exporters, e.kind(), e, "exporter kind", pluginId);
                    provides.add("exporter_kind:" + e.kind());
                }
                for (CacheBackend c : services(CacheBackend.class, loader)) {
                    put(caches, c.id(), c, "cache backend", pluginId);
                    provides.add("cache_backend:" + c.id());
                }
                for (RedisService r : services(RedisService.class, loader)) {
                    put(redis, "redis", r, "Redis service", pluginId); // one client per installation
                    provides.add("redis_service");
                }
                for (PluginConfig<?> c : services(PluginConfig.class, loader)) {
                    if (!pluginId.equals("classpath") && !c.pluginId().equals(pluginId)) {
                        throw new ConfigException("plugins.dir", "plugin folder " + pluginId + " declares the "
                                + "configuration of plugin '" + c.pluginId() + "': a plugin's id is its folder name");
                    }
                    put(configs, c.pluginId(), c, "configuration of plugin", pluginId);
                    provides.add("config:plugins." + c.pluginId());
                }
            } catch (ServiceConfigurationError e) {
                throw new ConfigException("plugins.dir", "plugin " + pluginId + " failed to load: " + e.getMessage());
            }
            if (provides.isEmpty()) {
                if (!jars.isEmpty()) {
                    LOG.warning("plugin folder " + pluginId + " provides no service; ignored");
                }
                return;
            }
            if (pluginId.equals("classpath")) {
                infos.add(new PluginInfo(pluginId, "builtin", List.copyOf(provides), List.of()));
            } else {
                infos.add(new PluginInfo(pluginId, version(jars), List.copyOf(provides),
                        jars.stream().map(p -> p.getFileName().toString()).toList()));
            }
        }

        private <T> void put(Map<String, T> map, String key, T value, String what, String pluginId) {
            if (map.putIfAbsent(key, value) != null) {
                throw new ConfigException("plugins.dir", "duplicate " + what + " '" + key + "' (again in plugin "
                        + pluginId + ")");
            }
        }

        private static <T> List<T> services(Class<T> type, ClassLoader loader) {
            List<T> out = new ArrayList<>();
            for (T t : ServiceLoader.load(type, loader)) {
                // ServiceLoader on a plugin loader also walks its parent (the platform loader), never the host
                out.add(t);
            }
            return out;
        }

        private static String version(List<Path> jars) {
            for (Path jar : jars) {
                try (JarFile jf = new JarFile(jar.toFile())) {
                    var mf = jf.getManifest();
                    if (mf != null && mf.getMainAttributes().getValue("Implementation-Version") != null) {
                        return mf.getMainAttributes().getValue("Implementation-Version");
                    }
                } catch (IOException ignored) {
                    // an unreadable manifest only costs the version label
                }
            }
            return "unknown";
        }
    }

    /** Chain order: stage, then order, then id. */
    public static final Comparator<FilterFactory> ORDER = Comparator.comparing(FilterFactory::stage)
            .thenComparingInt(FilterFactory::order).thenComparing(FilterFactory::id);
}
