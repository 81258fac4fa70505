package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.config.Config;
import io.helidon.config.spi.ConfigNode;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one of our config sources said at each key, beside the text Helidon keeps: helidon-config
 * holds every scalar as text, so {@code retries: "2"} and {@code retries: 2} would look alike to
 * the binder. A source hands its typed tree to {@link #helidon}, which records the shape of every
 * node (a mapping, a list, or the scalar's type) under its Helidon key ({@code a.b.0.c}, names
 * escaped with {@link Config.Key#escapeName}, so a key written with a dot stays one key), and its
 * position in the source, which Helidon's merged tree does not keep.
 */
final class TypedPaths {
    /** How a source wrote a node. */
    enum Shape {
        MAPPING, LIST, TEXT, INTEGER, DECIMAL, BOOLEAN, NULL;

        static Shape of(JsonNode n) {
            if (n.isObject()) {
                return MAPPING;
            }
            if (n.isArray()) {
                return LIST;
            }
            if (n.isNull()) {
                return NULL;
            }
            if (n.isBoolean()) {
                return BOOLEAN;
            }
            if (n.isIntegralNumber()) {
                return INTEGER;
            }
            return n.isNumber() ? DECIMAL : TEXT;
        }

        /** A scalar's text (as Helidon holds it) as the typed node the binder reads. */
        JsonNode scalar(String text) {
            JsonNodeFactory f = JsonNodeFactory.instance;
            return switch (this) {
                case NULL -> f.nullNode();
                case BOOLEAN -> f.booleanNode(Boolean.parseBoolean(text));
                case INTEGER -> TypedYaml.integer(text);
                case DECIMAL -> f.numberNode(Double.parseDouble(text));
                default -> f.textNode(text);
            };
        }
    }

    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final Map<String, Integer> positions = new HashMap<>();

    /** The shape this source gave {@code key}, or null when it did not set it. */
    Shape shape(String key) {
        return shapes.get(key);
    }

    /** Where this source wrote {@code key} (document order), or -1 when it did not set it. */
    int position(String key) {
        return positions.getOrDefault(key, -1);
    }

    /** The keys this source set, in its order. */
    Set<String> keys() {
        return shapes.keySet();
    }

    /** A Helidon key as the key the operator wrote ({@code a~1b.c} is {@code a.b.c}). */
    static String dotted(String key) {
        return Arrays.stream(key.split("\\.")).map(Config.Key::unescapeName).collect(Collectors.joining("."));
    }

    /** How many nodes this source set. */
    int size() {
        return positions.size();
    }

    /**
     * {@code tree} as Helidon's nodes, recording every node's shape and position.
     *
     * @throws ConfigException for an empty key, which Helidon cannot hold
     */
    ConfigNode.ObjectNode helidon(ObjectNode tree) {
        return object("", tree);
    }

    private ConfigNode.ObjectNode object(String key, ObjectNode o) {
        ConfigNode.ObjectNode.Builder b = ConfigNode.ObjectNode.builder();
        o.properties().forEach(e -> {
            if (e.getKey().isEmpty()) {
                // Helidon has no node of an empty name (it is the parent); no setting is called ""
                throw new ConfigException(key.isEmpty() ? "config" : dotted(key) + ".", "unknown key");
            }
            String name = Config.Key.escapeName(e.getKey());
            String child = key.isEmpty() ? name : key + "." + name;
            JsonNode v = e.getValue();
            record(child, v);
            if (v instanceof ObjectNode m) {
                b.addObject(name, object(child, m));
            } else if (v instanceof ArrayNode a) {
                b.addList(name, list(child, a));
            } else {
                b.addValue(name, text(v));
            }
        });
        return b.build();
    }

    private ConfigNode.ListNode list(String key, ArrayNode a) {
        ConfigNode.ListNode.Builder b = ConfigNode.ListNode.builder();
        for (int i = 0; i < a.size(); i++) {
            String child = key + "." + i;
            JsonNode v = a.get(i);
            record(child, v);
            if (v instanceof ObjectNode m) {
                b.addObject(object(child, m));
            } else if (v instanceof ArrayNode l) {
                b.addList(list(child, l));
            } else {
                b.addValue(text(v));
            }
        }
        return b.build();
    }

    private void record(String key, JsonNode v) {
        shapes.put(key, Shape.of(v));
        positions.put(key, positions.size());
    }

    /** A scalar as Helidon holds it: its text; null (no text in Helidon) as empty text, the shape says null. */
    private static String text(JsonNode v) {
        return v.isNull() ? "" : v.asText();
    }
}
