package io.aisix.kernel.plugin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Binds the {@code plugins.<id>} sections of the startup config to the records the installed
 * plugins declare ({@link PluginConfig}), before any plugin starts: an unknown key, a wrong type,
 * a failed {@link PluginConfig#check} or a section of a plugin that is not installed is a
 * {@link ConfigException} naming the key as the operator wrote it (an older spelling such as
 * {@code ratelimit.backend} is named so). A plugin without a section gets its defaults.
 */
public final class PluginConfigs {
    private static final Logger LOG = Logger.getLogger(PluginConfigs.class.getName());

    private final Map<Class<?>, Record> byType;
    private final Map<String, GatewayConfig.PluginSection> sections;

    private PluginConfigs(Map<Class<?>, Record> byType, Map<String, GatewayConfig.PluginSection> sections) {
        this.byType = Map.copyOf(byType);
        this.sections = sections;
    }

    /** Binds and checks every declared section. */
    public static PluginConfigs bind(PluginRegistry registry, GatewayConfig.Plugins plugins) {
        Map<String, GatewayConfig.PluginSection> sections = plugins.sections();
        for (Map.Entry<String, GatewayConfig.PluginSection> e : sections.entrySet()) {
            if (registry.configs().containsKey(e.getKey())) {
                continue;
            }
            String id = e.getKey();
            boolean installed = registry.plugins().stream().anyMatch(p -> p.id().equals(id));
            if (e.getValue().explicit()) {
                throw new ConfigException("plugins." + id, installed ? "plugin " + id + " takes no settings"
                        : "no installed plugin is called " + id + " (installed plugins with settings: "
                        + new TreeSet<>(registry.configs().keySet()) + "; plugins.dir is " + plugins.dir() + ")");
            }
            // an older spelling (an AISIX config's cache: section, say) for a plugin left out of this gateway
            LOG.info(String.join(", ", e.getValue().spelledAs().values()) + ": ignored, plugin " + id
                    + " is not installed");
        }
        Map<Class<?>, Record> byType = new LinkedHashMap<>();
        for (PluginConfig<?> declared : registry.configs().values()) {
            byType.put(declared.type(), bindOne(registry, declared, sections.get(declared.pluginId())));
        }
        return new PluginConfigs(byType, sections);
    }

    private static <C extends Record> C bindOne(PluginRegistry registry, PluginConfig<C> declared,
                                                GatewayConfig.PluginSection section) {
        String id = declared.pluginId();
        GatewayConfig.PluginSection s = section != null ? section
                : new GatewayConfig.PluginSection(JsonNodeFactory.instance.objectNode(), Map.of(), false);
        C config = ConfigLoader.bind(s.values(), declared.type(), key -> s.spelling(id, key));
        Map<String, Class<?>> needs;
        try {
            PluginCalls.run(declared, () -> declared.check(config));
            needs = PluginCalls.get(declared, () -> declared.needs(config));
        } catch (StartupException e) {
            throw new ConfigException(s.spelling(id, e.key()), e.getMessage(), e);
        }
        needs.forEach((key, type) -> registry.missing(type).ifPresent(why -> {
            throw new ConfigException(s.spelling(id, key), why);
        }));
        return config;
    }

    /** The bound records by type, for {@link KernelPluginContext}. */
    public Map<Class<?>, Record> byType() {
        return byType;
    }

    /**
     * The key the operator wrote for a full {@code plugins.<id>.<key>} (a plugin's
     * {@link StartupException} at start names the new spelling), else {@code key} itself.
     */
    public String spelling(String key) {
        if (key == null || !key.startsWith("plugins.")) {
            return key;
        }
        String rest = key.substring("plugins.".length());
        int dot = rest.indexOf('.');
        GatewayConfig.PluginSection s = sections.get(dot < 0 ? rest : rest.substring(0, dot));
        return s == null || dot < 0 ? key : s.spelling(rest.substring(0, dot), rest.substring(dot + 1));
    }
}
