package io.aisix.kernel.cli;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.plugin.PluginConfigs;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.resources.Finding;
import io.aisix.kernel.resources.LocatedYaml;
import io.aisix.kernel.resources.ResourceRow;
import io.aisix.kernel.resources.ResourcesFile;
import io.aisix.spi.resource.ResourceKind;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code aisix validate} checks: the startup config as the gateway reads it, the plugins
 * folder it names (loaded, not started: the resource and guardrail kinds come from plugins), the
 * {@code plugins.<id>} sections against the records those plugins declare, and a
 * resources file through the same validators the gateway uses. No listener is bound, no store
 * opened, nothing sent over the network.
 */
public final class OfflineValidation {
    private OfflineValidation() {
    }

    /**
     * The outcome.
     *
     * @param rows per kind, the number of rows the resources file declares (empty without one)
     */
    public record Report(String configFile, Optional<String> resourcesFile, Map<String, Integer> rows,
                         List<Finding> errors, List<Finding> notices) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    /**
     * Checks {@code config} and {@code resources}, by default the config's {@code resources_file}.
     *
     * @param hostLoader where built-in services are found besides the plugins folder
     */
    public static Report run(Path config, Optional<Path> resources, Map<String, String> env, ClassLoader hostLoader) {
        List<Finding> errors = new ArrayList<>();
        List<Finding> notices = new ArrayList<>();
        GatewayConfig gateway;
        boolean configRead = false;
        try {
            ConfigLoader.Loaded loaded = ConfigLoader.read(config, env);
            gateway = loaded.config();
            configRead = true;
            loaded.notices().forEach(n -> notices.add(configFinding(config, new ConfigException(n.key(), n.message()))));
        } catch (ConfigException e) {
            errors.add(configFinding(config, e));
            gateway = fallback(env);
        }
        PluginRegistry plugins;
        try {
            plugins = PluginRegistry.load(Path.of(gateway.plugins().dir()), hostLoader);
        } catch (ConfigException e) {
            errors.add(configFinding(config, e));
            plugins = PluginRegistry.load(null, hostLoader);
        }
        if (configRead) {
            try {
                PluginConfigs.bind(plugins, gateway.plugins());
            } catch (ConfigException e) {
                errors.add(configFinding(config, e));
            }
        }
        Map<String, Integer> rows = new LinkedHashMap<>();
        GatewayConfig inForce = gateway;
        resources = resources.or(() -> Optional.ofNullable(inForce.resourcesFile()).map(Path::of));
        if (resources.isPresent()) {
            List<ResourceKind<?>> kinds = ResourceKinds.offline(plugins);
            ResourcesFile.Result r = new ResourcesFile(kinds).read(resources.get(), env);
            errors.addAll(r.errors());
            notices.addAll(r.notices());
            kinds.forEach(k -> rows.put(k.name(), 0));
            for (ResourceRow row : r.rows()) {
                rows.merge(row.kind(), 1, Integer::sum);
            }
        }
        return new Report(config.toString(), resources.map(Path::toString), rows, List.copyOf(errors),
                List.copyOf(notices));
    }

    /** The plugins folder can still be found when the config is wrong: defaults plus the environment. */
    private static GatewayConfig fallback(Map<String, String> env) {
        try {
            return ConfigLoader.load(null, env);
        } catch (ConfigException e) {
            return GatewayConfig.defaults();
        }
    }

    /** {@code key: reason} with the line of the key (or of the nearest section above it) in the file. */
    static Finding configFinding(Path file, ConfigException e) {
        String reason = e.getMessage().startsWith(e.key() + ": ")
                ? e.getMessage().substring(e.key().length() + 2) : e.getMessage();
        LocatedYaml.Location at = LocatedYaml.Location.UNKNOWN;
        if (!e.key().equals("config") && Files.isRegularFile(file)) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                at = LocatedYaml.read(in, LocatedYaml.VERBATIM).locate(pointer(e.key()));
            } catch (IOException ignored) {
                // the loader already said what is wrong with the file; the line is a bonus
            }
        }
        return new Finding(file.toString(), at.line(), at.column(), e.key().equals("config") ? "" : e.key(), reason);
    }

    /** {@code etcd.endpoints[0]} as the JSON pointer {@code /etcd/endpoints/0}. */
    static String pointer(String dottedKey) {
        StringBuilder p = new StringBuilder();
        for (String part : dottedKey.split("\\.")) {
            int bracket = part.indexOf('[');
            p.append('/').append(bracket < 0 ? part : part.substring(0, bracket));
            if (bracket >= 0) {
                for (String index : part.substring(bracket + 1).split("\\]\\[?")) {
                    if (!index.isEmpty()) {
                        p.append('/').append(index);
                    }
                }
            }
        }
        return p.toString();
    }
}
