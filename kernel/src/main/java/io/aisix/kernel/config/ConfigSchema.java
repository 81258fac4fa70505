package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;

/**
 * The JSON Schema (draft-07) of the startup config, generated from {@link GatewayConfig} itself:
 * one object per record (unknown keys refused, as the loader refuses them), one property per
 * component with its type, its default (what the record fills in when the key is absent) and its
 * {@link Setting} constraints. Rules between keys (TLS file pairs, managed mode, a redis section
 * when a backend is redis) and files that must exist are checked by the loader only.
 */
public final class ConfigSchema {
    private static final ObjectMapper JSON = Json.mapper();

    private ConfigSchema() {
    }

    public static ObjectNode schema() {
        ObjectNode s = object(GatewayConfig.class);
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "http://json-schema.org/draft-07/schema#");
        root.put("title", "AISIX-J startup config (config.yaml)");
        root.put("description", "Process-level settings only; resources live in the configuration store. Any key "
                + "can be overridden with AISIX_<PATH> (levels joined by __).");
        root.setAll(s);
        ObjectNode props = (ObjectNode) root.get("properties");
        legacy(props, "cache", "object", "AISIX's section: backend moves to plugins.cache.backend, redis.url to "
                + "plugins.cache-redis.url; memory (deprecated) to plugins.cache.memory");
        legacy(props, "ratelimit", "object", "AISIX's section, read as plugins.rate-limit");
        legacy(props, "budgets", "object", "deprecated spelling of plugins.budgets");
        legacy((ObjectNode) props.get("proxy").get("properties"), "request_id", "object",
                "AISIX's section, read as plugins.request-id");
        legacy((ObjectNode) props.get("logging").get("properties"), "access_log", "boolean",
                "deprecated spelling of plugins.observe.access_log");
        return root;
    }

    /**
     * An older spelling of plugin settings, accepted and moved into {@code plugins.<id>}; its
     * content is checked with the plugin's section (see {@code PluginSections}).
     */
    private static void legacy(ObjectNode props, String key, String type, String description) {
        ObjectNode p = props.putObject(key);
        p.putArray("type").add(type).add("null");
        p.put("description", description);
    }

    private static ObjectNode object(Class<?> record) {
        ObjectNode s = JSON.createObjectNode();
        s.put("type", "object");
        ObjectNode props = s.putObject("properties");
        Record defaults = defaults(record);
        boolean open = false;
        for (RecordComponent c : record.getRecordComponents()) {
            if (c.getType() == java.util.Map.class) {
                // the plugins' own sections: every further key, checked against the plugin's record
                ObjectNode any = s.putObject("additionalProperties");
                any.putArray("type").add("object").add("null");
                any.put("description", "plugins.<id>: the settings of the installed plugin <id>, checked against "
                        + "the record it declares at start-up and by aisix validate");
                open = true;
                continue;
            }
            ObjectNode p = property(c.getGenericType());
            Setting setting = c.getAnnotation(Setting.class);
            if (setting != null) {
                constrain(p.has("items") ? (ObjectNode) p.get("items") : p, setting);
                if (!setting.description().isEmpty()) {
                    p.put("description", setting.description());
                }
            }
            Object dflt = Settings.read(defaults, c);
            if (dflt != null && !(dflt instanceof Record) && !(dflt instanceof List<?> l && l.isEmpty())) {
                p.set("default", JSON.valueToTree(dflt));
            }
            nullable(p);
            props.set(Settings.key(c), p);
        }
        if (!open) {
            s.put("additionalProperties", false);
        }
        return s;
    }

    private static ObjectNode property(Type type) {
        if (type instanceof ParameterizedType pt && pt.getRawType() == List.class) {
            ObjectNode s = JSON.createObjectNode();
            s.put("type", "array");
            s.set("items", property(pt.getActualTypeArguments()[0]));
            return s;
        }
        Class<?> c = (Class<?>) type;
        if (c.isRecord()) {
            return object(c);
        }
        ObjectNode s = JSON.createObjectNode();
        if (c == String.class) {
            s.put("type", "string");
        } else if (c == Integer.class || c == Long.class) {
            s.put("type", "integer");
        } else if (c == Boolean.class) {
            s.put("type", "boolean");
        } else if (c == Double.class) {
            s.put("type", "number");
        } else {
            throw new IllegalStateException("no JSON Schema type for " + c + " in GatewayConfig");
        }
        return s;
    }

    private static void constrain(ObjectNode s, Setting setting) {
        if (setting.oneOf().length > 0) {
            if (setting.ignoreCase()) {
                StringBuilder p = new StringBuilder("^(");
                for (int i = 0; i < setting.oneOf().length; i++) {
                    p.append(i == 0 ? "" : "|").append(anyCase(setting.oneOf()[i]));
                }
                s.put("pattern", p.append(")$").toString());
            } else {
                ArrayNode e = s.putArray("enum");
                for (String v : setting.oneOf()) {
                    e.add(v);
                }
            }
        }
        if (setting.min() != Long.MIN_VALUE) {
            s.put("minimum", setting.min());
        }
        if (!setting.pattern().isEmpty()) {
            s.put("pattern", setting.pattern());
        }
    }

    /** {@code [Ii][Nn][Ff][Oo]}: JSON Schema patterns have no case-insensitive flag. */
    private static String anyCase(String word) {
        StringBuilder b = new StringBuilder();
        for (char ch : word.toCharArray()) {
            char lower = Character.toLowerCase(ch);
            char upper = Character.toUpperCase(ch);
            b.append(lower == upper ? String.valueOf(ch) : "[" + upper + lower + "]");
        }
        return b.toString();
    }

    /** YAML's {@code key:} with nothing after it is null, which the loader reads as "use the default". */
    private static void nullable(ObjectNode p) {
        JsonNode type = p.get("type");
        p.putArray("type").add(type.asText()).add("null");
        if (p.get("enum") instanceof ArrayNode e) {
            e.addNull();
        }
    }

    /** The record as its canonical constructor fills it from nothing: its defaults. */
    private static Record defaults(Class<?> record) {
        RecordComponent[] components = record.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> canonical = record.getDeclaredConstructor(types);
            return (Record) canonical.newInstance(new Object[components.length]);
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new IllegalStateException("cannot build the defaults of " + record.getSimpleName(), e);
        }
    }
}
