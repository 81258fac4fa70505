package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes the {@code plugins.<id>} sections out of the startup tree (the kernel binds them later,
 * to the records the installed plugins declare) and moves the older spellings of plugin settings
 * into them: AISIX's own keys ({@code cache.backend}, {@code cache.redis.url},
 * {@code ratelimit.*}, {@code proxy.request_id.*}, {@code observability.access_log}) silently, so
 * AISIX configs load unchanged; this gateway's former keys ({@code cache.memory},
 * {@code budgets.*}, {@code logging.access_log}) with one deprecation notice naming the new key.
 * Setting an old and a new spelling at once is refused naming both.
 */
final class PluginSections {
    /** One older spelling: where it was, which plugin section and key it is now, whether it is AISIX's. */
    private record Moved(String old, String plugin, String key, boolean aisix) {
    }

    private static final List<Moved> MOVED = List.of(
            new Moved("cache.backend", "cache", "backend", true),
            new Moved("cache.memory", "cache", "memory", false),
            new Moved("cache.redis.url", "cache-redis", "url", true),
            new Moved("ratelimit.backend", "rate-limit", "backend", true),
            new Moved("ratelimit.redis", "rate-limit", "redis", true),
            new Moved("budgets.backend", "budgets", "backend", false),
            new Moved("budgets.redis", "budgets", "redis", false),
            new Moved("budgets.on_redis_error", "budgets", "on_redis_error", false),
            new Moved("budgets.reservation_wait_ms", "budgets", "reservation_wait_ms", false),
            new Moved("proxy.request_id.accept_headers", "request-id", "accept_headers", true),
            new Moved("observability.access_log", "observe", "access_log", true),
            new Moved("logging.access_log", "observe", "access_log", false));

    /** Old sections left empty once their keys moved, removed so the kernel's binder never sees them. */
    private static final List<String> EMPTIED = List.of("cache.redis", "cache", "ratelimit", "budgets",
            "proxy.request_id");

    private PluginSections() {
    }

    /**
     * Removes every plugin section and older spelling from {@code root} and returns the sections
     * by plugin id. {@code plugins.dir} stays in the tree.
     */
    static Map<String, GatewayConfig.PluginSection> extract(ObjectNode root, ConfigLoader.Notices notices) {
        Map<String, ObjectNode> values = new LinkedHashMap<>();
        Map<String, Map<String, String>> spelled = new HashMap<>();
        Map<String, Boolean> explicit = new HashMap<>();
        if (root.get("plugins") instanceof ObjectNode plugins) {
            for (Iterator<Map.Entry<String, JsonNode>> it = plugins.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("dir")) {
                    continue;
                }
                JsonNode v = e.getValue();
                if (!v.isNull() && !v.isObject()) {
                    throw new ConfigException("plugins." + e.getKey(), "must be a mapping (the settings of plugin "
                            + e.getKey() + ")");
                }
                values.put(e.getKey(), v.isObject() ? (ObjectNode) v : JsonNodeFactory.instance.objectNode());
                explicit.put(e.getKey(), true);
                it.remove();
            }
        } else if (root.has("plugins") && !root.get("plugins").isNull()) {
            throw new ConfigException("plugins", "must be a mapping");
        }
        for (Moved m : MOVED) {
            JsonNode v = AisixSpellings.at(root, m.old());
            if (v == null) {
                remove(root, m.old());
                continue;
            }
            String newKey = "plugins." + m.plugin() + "." + m.key();
            ObjectNode section = values.computeIfAbsent(m.plugin(), id -> JsonNodeFactory.instance.objectNode());
            if (section.has(m.key())) {
                String other = spelled.getOrDefault(m.plugin(), Map.of()).getOrDefault(m.key(), newKey);
                throw new ConfigException(m.old(), (m.aisix() ? "is AISIX's spelling of " : "is the older spelling of ")
                        + newKey + " and " + other + " is set too; set only one of them");
            }
            section.set(m.key(), v);
            spelled.computeIfAbsent(m.plugin(), id -> new HashMap<>()).put(m.key(), m.old());
            remove(root, m.old());
            if (!m.aisix()) {
                notices.add(m.old(), "deprecated: this setting is now " + newKey + " (the old key still works)");
            }
        }
        for (String old : EMPTIED) {
            if (AisixSpellings.at(root, old) instanceof ObjectNode o) {
                if (!o.isEmpty()) {
                    throw new ConfigException(old + "." + o.fieldNames().next(), "unknown key");
                }
                remove(root, old);
            }
        }
        Map<String, GatewayConfig.PluginSection> out = new LinkedHashMap<>();
        values.forEach((id, v) -> out.put(id, new GatewayConfig.PluginSection(v,
                spelled.getOrDefault(id, Map.of()), explicit.getOrDefault(id, false))));
        return out;
    }

    private static void remove(ObjectNode root, String dotted) {
        String[] parts = dotted.split("\\.");
        JsonNode n = root;
        for (int i = 0; i < parts.length - 1; i++) {
            n = n.get(parts[i]);
            if (!(n instanceof ObjectNode)) {
                return;
            }
        }
        ((ObjectNode) n).remove(parts[parts.length - 1]);
    }
}
