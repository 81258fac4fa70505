package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigNode;
import io.helidon.config.spi.ConfigSource;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the startup settings through helidon-config from two sources only: the YAML file, parsed
 * by {@link StartupYamlParser}, and above it the {@code AISIX_} environment mapping built by our
 * rules ({@code __} between levels, values read as YAML scalars or lists). Helidon's own
 * environment source (it skips every name with {@code __} and maps {@code _} to {@code .}), its
 * system-property source, {@code ${...}} resolving and service-loaded parsers, filters and mappers
 * are off, so nothing else leaks in. The merged tree goes back to the binder with each value typed
 * as the source that set it wrote it ({@link TypedPaths}), in the file's order.
 */
final class StartupSources {
    /** Lists that the environment may also give comma separated, as AISIX reads them. */
    private static final Set<String> COMMA_LISTS = Set.of("etcd.endpoints", "admin.admin_keys",
            "proxy.request_id.accept_headers", "plugins.request-id.accept_headers", "upstream.proxy.no_proxy");

    private StartupSources() {
    }

    /** The file (absent or empty: nothing) under the environment, as the binder's tree. */
    static ObjectNode read(Path file, Map<String, String> env) {
        TypedPaths environment = new TypedPaths();
        TypedPaths written = new TypedPaths();
        List<Supplier<? extends ConfigSource>> sources = new ArrayList<>();
        // the first source wins where both set a key: the AISIX_ variables over the file
        ConfigNode.ObjectNode variables = environment.helidon(environment(env));
        sources.add(() -> ConfigSources.create(variables));
        if (file != null && Files.exists(file)) {
            // the file's bytes as a parsable source rather than Helidon's file source, which also
            // digests and locks the file for change polling we do not use (~20 ms of CPU at start)
            byte[] yaml = bytes(file);
            sources.add(() -> ConfigSources.create(new ByteArrayInputStream(yaml), MediaTypes.APPLICATION_X_YAML));
        }
        Config config;
        try {
            config = Config.builder()
                    .sources(sources)
                    .addParser(new StartupYamlParser(file, written))
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .disableValueResolving()
                    .disableKeyResolving()
                    .disableParserServices()
                    .disableFilterServices()
                    .disableMapperServices()
                    .disableCaching()
                    // read once at start: no change notifications, so no thread pool for them
                    .changesExecutor(Runnable::run)
                    .build();
        } catch (io.helidon.config.ConfigException e) {
            throw reported(file, e, environment, written);
        }
        ObjectNode root = (ObjectNode) new Tree(environment, written).node(config);
        appendAdminKeys(root, env);
        return root;
    }

    private static byte[] bytes(Path file) {
        try (InputStream in = new FileInputStream(file.toFile())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * The parser's own error (file and line); else the one merge Helidon refuses, a mapping from the
     * environment over a list of the file, named by its key; else Helidon's message.
     */
    private static ConfigException reported(Path file, RuntimeException e, TypedPaths environment,
            TypedPaths written) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException ours) {
                return ours;
            }
        }
        for (String key : environment.keys()) {
            if (environment.shape(key) == TypedPaths.Shape.MAPPING && written.shape(key) == TypedPaths.Shape.LIST) {
                return new ConfigException(TypedPaths.dotted(key), "is a list in " + file
                        + " and a mapping in the AISIX_ variables; set it in one place");
            }
        }
        return new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
    }

    /**
     * Helidon's merged nodes back as the binder's tree. A node takes the shape of the source that
     * won it (the environment over the file), as our reader did before helidon-config: where the
     * environment set a value and the file a mapping, Helidon keeps both and the node reads as the
     * value; where the environment set a list and the file a mapping, Helidon merges the list's
     * items into the mapping and the node reads as the environment's items only.
     */
    private record Tree(TypedPaths environment, TypedPaths written) {
        JsonNode node(Config c) {
            String key = c.key().toString();
            TypedPaths winner = environment.shape(key) != null ? environment : written;
            // the root is the one node no source records: a mapping
            TypedPaths.Shape shape = key.isEmpty() ? TypedPaths.Shape.MAPPING : winner.shape(key);
            switch (shape) {
                case MAPPING -> {
                    ObjectNode o = JsonNodeFactory.instance.objectNode();
                    for (Config child : ordered(c)) {
                        o.set(child.name(), node(child));
                    }
                    return o;
                }
                case LIST -> {
                    ArrayNode a = JsonNodeFactory.instance.arrayNode();
                    for (Config child : ordered(c)) {
                        if (winner.shape(child.key().toString()) != null) {
                            a.add(node(child));
                        }
                    }
                    return a;
                }
                default -> {
                    return shape.scalar(c.asString().orElse(""));
                }
            }
        }

        /** Helidon keeps a mapping's members unordered: they come back in the order the sources wrote them. */
        private List<Config> ordered(Config c) {
            List<Config> children = new ArrayList<>(c.asNodeList().orElse(List.of()));
            children.sort(Comparator.comparingInt(this::position));
            return children;
        }

        /** The file's keys in the file's order, then the keys only the environment set, in its order. */
        private int position(Config c) {
            String key = c.key().toString();
            int inFile = written.position(key);
            return inFile >= 0 ? inFile : written.size() + environment.position(key);
        }
    }

    /**
     * {@code AISIX_PROXY__ADDR=...} sets {@code proxy.addr}; values parse as YAML scalars or lists.
     * In a plugin's section the id's {@code _} reads as {@code -}: {@code AISIX_PLUGINS__RATE_LIMIT__BACKEND}
     * sets {@code plugins.rate-limit.backend} (plugin ids are folder names, spelled with {@code -}).
     * {@code AISIX_ADMIN_KEY} adds keys rather than replacing them ({@link #appendAdminKeys}).
     */
    static ObjectNode environment(Map<String, String> env) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        List<String> names = new ArrayList<>(env.keySet());
        names.sort(null);
        for (String name : names) {
            if (!name.startsWith("AISIX_") || name.equals("AISIX_ADMIN_KEY") || name.startsWith("AISIX_MANAGED__")
                    && name.endsWith("_PEM")) {
                continue;
            }
            String[] path = name.substring("AISIX_".length()).toLowerCase(Locale.ROOT).split("__");
            if (path.length > 2 && path[0].equals("plugins")) {
                path[1] = path[1].replace('_', '-');
            }
            ObjectNode node = root;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode child = node.get(path[i]);
                if (!(child instanceof ObjectNode)) {
                    child = node.putObject(path[i]);
                }
                node = (ObjectNode) child;
            }
            JsonNode value = envValue(env.get(name));
            if (COMMA_LISTS.contains(String.join(".", path)) && value.isValueNode()) {
                ArrayNode list = JsonNodeFactory.instance.arrayNode();
                for (String item : value.asText().split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.trim());
                    }
                }
                value = list;
            }
            node.set(path[path.length - 1], value);
        }
        return root;
    }

    /** {@code AISIX_ADMIN_KEY} (comma separated) adds to the file's admin keys. */
    private static void appendAdminKeys(ObjectNode root, Map<String, String> env) {
        String adminKeys = env.get("AISIX_ADMIN_KEY");
        if (adminKeys != null && !adminKeys.isBlank()) {
            ObjectNode admin = root.get("admin") instanceof ObjectNode a ? a : root.putObject("admin");
            ArrayNode keys = admin.get("admin_keys") instanceof ArrayNode k ? k : admin.putArray("admin_keys");
            for (String k : adminKeys.split(",")) {
                if (!k.isBlank()) {
                    keys.add(k.trim());
                }
            }
        }
    }

    /** A YAML scalar or list as {@link TypedYaml} types it; anything else is the text as given. */
    private static JsonNode envValue(String raw) {
        try {
            JsonNode parsed = TypedYaml.read(raw);
            if (parsed != null && (parsed.isValueNode() || parsed.isArray())) {
                return parsed;
            }
        } catch (IOException ignored) {
            // not YAML: keep the raw text
        }
        return JsonNodeFactory.instance.textNode(raw);
    }
}
