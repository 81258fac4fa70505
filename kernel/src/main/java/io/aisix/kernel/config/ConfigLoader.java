package io.aisix.kernel.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the startup YAML strictly: unknown keys, wrong types, bad enum values and unreadable TLS
 * files all fail with a {@link ConfigException} naming the dotted key. Environment variables
 * {@code AISIX_<PATH>} (levels joined by {@code __}) override file values; {@code AISIX_ADMIN_KEY}
 * (comma separated) adds admin keys.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper BINDER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

    private ConfigLoader() {
    }

    /** Loads a file (absent file: defaults) and applies the environment. */
    public static GatewayConfig load(Path file, Map<String, String> env) {
        ObjectNode root;
        if (file != null && Files.exists(file)) {
            try {
                JsonNode parsed = YAML.readTree(file.toFile());
                if (parsed == null || parsed.isMissingNode() || parsed.isNull()) {
                    root = JsonNodeFactory.instance.objectNode();
                } else if (!parsed.isObject()) {
                    throw new ConfigException("config", file + " must hold a YAML mapping");
                } else {
                    root = (ObjectNode) parsed;
                }
            } catch (JsonProcessingException e) {
                throw new ConfigException("config", "cannot parse " + file + ": " + e.getOriginalMessage()
                        + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
            } catch (IOException e) {
                throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
            }
        } else if (file != null && !file.toString().equals("conf/config.yaml")) {
            throw new ConfigException("config", "cannot read " + file + " (no such file)");
        } else {
            root = JsonNodeFactory.instance.objectNode();
        }
        applyEnv(root, env);
        GatewayConfig config = bind(root);
        validate(config);
        return config;
    }

    /** Binds a tree, turning Jackson's errors into one line naming the key. */
    static GatewayConfig bind(ObjectNode root) {
        try {
            return BINDER.treeToValue(root, GatewayConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(keyOf(e), "unknown key");
        } catch (MismatchedInputException e) {
            String type = e.getTargetType() == null ? "value" : describe(e.getTargetType());
            throw new ConfigException(keyOf(e), "must be " + type);
        } catch (JsonMappingException e) {
            throw new ConfigException(keyOf(e), e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException("config", e.getOriginalMessage());
        }
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping";
    }

    private static String keyOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "config" : sb.toString();
    }

    /** {@code AISIX_PROXY__ADDR=...} sets {@code proxy.addr}; values parse as YAML scalars or lists. */
    static void applyEnv(ObjectNode root, Map<String, String> env) {
        List<String> names = new ArrayList<>(env.keySet());
        names.sort(null);
        for (String name : names) {
            if (!name.startsWith("AISIX_") || name.equals("AISIX_ADMIN_KEY") || name.startsWith("AISIX_MANAGED__")
                    && name.endsWith("_PEM")) {
                continue;
            }
            String[] path = name.substring("AISIX_".length()).toLowerCase(Locale.ROOT).split("__");
            ObjectNode node = root;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode child = node.get(path[i]);
                if (!(child instanceof ObjectNode)) {
                    child = node.putObject(path[i]);
                }
                node = (ObjectNode) child;
            }
            node.set(path[path.length - 1], envValue(env.get(name)));
        }
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

    private static JsonNode envValue(String raw) {
        try {
            JsonNode parsed = YAML.readTree(raw);
            if (parsed != null && (parsed.isValueNode() || parsed.isArray())) {
                return parsed;
            }
        } catch (IOException ignored) {
            // not YAML: keep the raw text
        }
        return JsonNodeFactory.instance.textNode(raw);
    }

    private static void validate(GatewayConfig c) {
        oneOf("deployment.mode", c.deployment().mode(), Set.of("self_hosted", "managed"));
        if (c.store().backend() != null) {
            oneOf("store.backend", c.store().backend(), Set.of("embedded", "etcd"));
        }
        oneOf("cache.backend", c.cache().backend(), Set.of("memory", "redis"));
        oneOf("ratelimit.backend", c.ratelimit().backend(), Set.of("memory", "redis"));
        oneOf("logging.format", c.logging().format(), Set.of("json", "text"));
        oneOf("logging.level", c.logging().level().toUpperCase(Locale.ROOT),
                Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"));
        Addr.parse("proxy.addr", c.proxy().addr());
        Addr.parse("admin.addr", c.admin().addr());
        if (!c.metrics().addr().isEmpty()) {
            Addr.parse("metrics.addr", c.metrics().addr());
        }
        if (!c.metrics().path().startsWith("/")) {
            throw new ConfigException("metrics.path", "must start with /");
        }
        positive("proxy.request_body_limit_bytes", c.proxy().requestBodyLimitBytes());
        positive("upstream.connect_timeout_ms", c.upstream().connectTimeoutMs());
        positive("upstream.timeout_ms", c.upstream().timeoutMs());
        positive("upstream.stream_idle_timeout_ms", c.upstream().streamIdleTimeoutMs());
        if (c.upstream().retries() < 0) {
            throw new ConfigException("upstream.retries", "must be 0 or more");
        }
        if (c.shutdown().drainTimeoutSeconds() < 0) {
            throw new ConfigException("shutdown.drain_timeout_seconds", "must be 0 or more");
        }
        if (c.cache().memory().maxEntries() < 1) {
            throw new ConfigException("cache.memory.max_entries", "must be at least 1");
        }
        tlsFiles("proxy.tls", c.proxy().tls());
        tlsFiles("admin.tls", c.admin().tls());
        for (int i = 0; i < c.etcd().endpoints().size(); i++) {
            String e = c.etcd().endpoints().get(i);
            if (!e.startsWith("http://") && !e.startsWith("https://")) {
                throw new ConfigException("etcd.endpoints[" + i + "]", "must be an http:// or https:// URL");
            }
        }
        if (c.cache().backend().equals("redis") && (c.cache().redis() == null || c.cache().redis().url() == null)) {
            throw new ConfigException("cache.redis", "is required when cache.backend is redis");
        }
        if (c.ratelimit().backend().equals("redis")
                && (c.ratelimit().redis() == null || c.ratelimit().redis().url() == null)) {
            throw new ConfigException("ratelimit.redis", "is required when ratelimit.backend is redis");
        }
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new ConfigException(key, "must be greater than 0");
        }
    }

    private static void oneOf(String key, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new ConfigException(key, "must be one of " + allowed.stream().sorted().collect(Collectors.joining(", "))
                    + " (got '" + value + "')");
        }
    }

    /** Both files set and readable, or neither. */
    static void tlsFiles(String key, GatewayConfig.Tls tls) {
        if (tls == null || tls.certFile() == null && tls.keyFile() == null) {
            return;
        }
        if (tls.certFile() == null) {
            throw new ConfigException(key + ".cert_file", "is required with " + key + ".key_file");
        }
        if (tls.keyFile() == null) {
            throw new ConfigException(key + ".key_file", "is required with " + key + ".cert_file");
        }
        readable(key + ".cert_file", tls.certFile());
        readable(key + ".key_file", tls.keyFile());
    }

    /** Fails unless the file can be read. */
    public static void readable(String key, String file) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(key, "cannot read " + file + " (no such file)");
        }
        if (!Files.isReadable(p)) {
            throw new ConfigException(key, "cannot read " + file + " (permission denied)");
        }
    }
}
