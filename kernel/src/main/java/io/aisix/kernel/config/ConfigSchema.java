package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.PluginConfig;
import io.aisix.support.Json;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schema (draft-07) of the startup config, generated from {@link GatewayConfig} itself:
 * one object per record (unknown keys refused, as the loader refuses them), one property per
 * component with its type, its default (what the record fills in when the key is absent) and its
 * {@link Setting} constraints. Rules between keys (TLS file pairs, managed mode, a redis section
 * when a backend is redis) and files that must exist are checked by the loader only.
 *
 * <p>For an installation ({@link #schema(Collection)}), each installed plugin's section
 * {@code plugins.<id>} is described the same way from the record its {@link PluginConfig}
 * declares (types, nesting, the defaults its constructor fills in), with unknown keys refused as
 * the binder refuses them; so is a section for a plugin that is not installed or takes no
 * settings. What a plugin's {@link PluginConfig#check} adds (allowed values, keys that need each
 * other) is checked by the binder only. A component type JSON Schema cannot describe is left open.
 */
public final class ConfigSchema {
    private static final ObjectMapper JSON = Json.mapper();

    private ConfigSchema() {
    }

    /** The schema without an installation: any {@code plugins.<id>} section is allowed, as an object. */
    public static ObjectNode schema() {
        return schema(null);
    }

    /**
     * The schema of this installation: {@code plugins.<id>} as the records of {@code installed}
     * declare them, and no other section.
     */
    public static ObjectNode schema(Collection<PluginConfig<?>> installed) {
        ObjectNode s = object(GatewayConfig.class, false);
        if (installed != null) {
            ObjectNode plugins = (ObjectNode) s.get("properties").get("plugins");
            ObjectNode sections = (ObjectNode) plugins.get("properties");
            for (PluginConfig<?> declared : installed) {
                ObjectNode section = object(declared.type(), true);
                section.put("description", "the settings of plugin " + declared.pluginId() + " (bound to "
                        + declared.type().getSimpleName() + "; its own checks run at start-up and in aisix validate)");
                nullable(section);
                sections.set(declared.pluginId(), section);
            }
            plugins.put("additionalProperties", false);
        }
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

    /**
     * One record as an object; {@code plugin} for a plugin's record, whose types and defaults may
     * be beyond what {@link GatewayConfig} uses (left open rather than failing the whole schema).
     */
    private static ObjectNode object(Class<?> record, boolean plugin) {
        ObjectNode s = JSON.createObjectNode();
        s.put("type", "object");
        ObjectNode props = s.putObject("properties");
        Record defaults = defaults(record, plugin);
        boolean open = false;
        for (RecordComponent c : record.getRecordComponents()) {
            if (record == GatewayConfig.Plugins.class && c.getType() == Map.class) {
                // the plugins' own sections: every further key, checked against the plugin's record
                ObjectNode any = s.putObject("additionalProperties");
                any.putArray("type").add("object").add("null");
                any.put("description", "plugins.<id>: the settings of the installed plugin <id>, checked against "
                        + "the record it declares at start-up and by aisix validate");
                open = true;
                continue;
            }
            ObjectNode p = property(c.getGenericType(), plugin);
            Setting setting = c.getAnnotation(Setting.class);
            if (setting != null) {
                constrain(p.has("items") ? (ObjectNode) p.get("items") : p, setting);
                if (!setting.description().isEmpty()) {
                    p.put("description", setting.description());
                }
            }
            Object dflt = defaults == null ? null : Settings.read(defaults, c);
            if (dflt != null && !(dflt instanceof Record) && !(dflt instanceof Collection<?> l && l.isEmpty())
                    && !(dflt instanceof Map<?, ?> m && m.isEmpty()) && (!plugin || p.has("type"))) {
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

    private static ObjectNode property(Type type, boolean plugin) {
        if (type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw) {
            if (Collection.class.isAssignableFrom(raw)) {
                ObjectNode s = JSON.createObjectNode();
                s.put("type", "array");
                s.set("items", property(pt.getActualTypeArguments()[0], plugin));
                return s;
            }
            if (plugin && Map.class.isAssignableFrom(raw)) {
                ObjectNode s = JSON.createObjectNode();
                s.put("type", "object");
                s.set("additionalProperties", property(pt.getActualTypeArguments()[1], true));
                return s;
            }
        }
        if (type instanceof Class<?> c && c.isRecord()) {
            return object(c, plugin);
        }
        ObjectNode s = JSON.createObjectNode();
        if (type == String.class) {
            s.put("type", "string");
        } else if (type == Integer.class || type == Long.class || plugin && (type == Short.class
                || type == int.class || type == long.class || type == short.class)) {
            s.put("type", "integer");
        } else if (type == Boolean.class || plugin && type == boolean.class) {
            s.put("type", "boolean");
        } else if (type == Double.class || plugin && (type == Float.class || type == double.class
                || type == float.class || type == java.math.BigDecimal.class)) {
            s.put("type", "number");
        } else if (plugin && type instanceof Class<?> c && c.isEnum()) {
            s.put("type", "string");
            ArrayNode values = s.putArray("enum");
            for (Object constant : c.getEnumConstants()) {
                values.add(((Enum<?>) constant).name());
            }
        } else if (!plugin) {
            throw new IllegalStateException("no JSON Schema type for " + type + " in GatewayConfig");
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
        if (type == null) {
            return; // open: null included
        }
        p.putArray("type").add(type.asText()).add("null");
        if (p.get("enum") instanceof ArrayNode e) {
            e.addNull();
        }
    }

    /**
     * The record as its canonical constructor fills it from nothing: its defaults; for a plugin's
     * record that cannot be built so (its contract says it can), none.
     */
    private static Record defaults(Class<?> record, boolean plugin) {
        RecordComponent[] components = record.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> canonical = record.getDeclaredConstructor(types);
            return (Record) canonical.newInstance(new Object[components.length]);
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException | IllegalArgumentException
                 | InvocationTargetException e) {
            if (plugin) {
                return null;
            }
            throw new IllegalStateException("cannot build the defaults of " + record.getSimpleName(), e);
        }
    }
}
