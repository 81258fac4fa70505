package io.aisix.kernel.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.config.ConfigSchema;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The published JSON Schemas (draft-07), all generated from the code that validates: the startup
 * config ({@link ConfigSchema}, with the sections of the installed plugins' {@link PluginConfig}
 * declarations), each resource kind ({@link ResourceKind#schema()}) and the
 * resources file as a whole. Named as they are shipped in the distribution's {@code schemas/}
 * folder and served on the admin listener under {@code /admin/schemas/}:
 * {@code config.schema.json}, {@code resources.schema.json}, {@code kinds/<kind>.schema.json}.
 */
public final class Schemas {
    public static final String CONFIG = "config.schema.json";
    public static final String RESOURCES = "resources.schema.json";
    private static final ObjectMapper JSON = Json.mapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ID = "^[A-Za-z0-9._-]{1,128}$";

    private Schemas() {
    }

    /** Every document by name, in a stable order, for these kinds and plugin configuration declarations. */
    public static Map<String, ObjectNode> all(List<ResourceKind<?>> kinds, Collection<PluginConfig<?>> configs) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        out.put(CONFIG, ConfigSchema.schema(configs));
        out.put(RESOURCES, resourcesFile(kinds));
        for (ResourceKind<?> k : kinds) {
            k.schema().ifPresent(s -> out.put(kindFile(k.name()), s));
        }
        return out;
    }

    public static String kindFile(String kind) {
        return "kinds/" + kind + ".schema.json";
    }

    /** Writes every document under {@code dir}. */
    public static void write(Path dir, List<ResourceKind<?>> kinds, Collection<PluginConfig<?>> configs)
            throws IOException {
        for (Map.Entry<String, ObjectNode> e : all(kinds, configs).entrySet()) {
            Path file = dir.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, bytes(e.getValue()));
        }
    }

    public static byte[] bytes(JsonNode schema) {
        try {
            return JSON.writeValueAsBytes(schema);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The resources file: {@code _format_version} and one list per kind, each row the kind's
     * schema plus what a file may say on top ({@link ResourcesFile}): an {@code id}, and the names
     * that stand in for stored fields ({@link ResourcesFile#STANDS_IN}); a plaintext caller
     * {@code key} is refused. AISIX's collections that no kind serves are allowed and ignored.
     */
    static ObjectNode resourcesFile(List<ResourceKind<?>> kinds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "http://json-schema.org/draft-07/schema#");
        root.put("title", "AISIX-J resources file (resources.yaml)");
        root.put("type", "object");
        root.putArray("required").add("_format_version");
        ObjectNode props = root.putObject("properties");
        props.putObject("_format_version").put("const", ResourcesFile.FORMAT_VERSION);
        for (ResourceKind<?> k : kinds) {
            Optional<ObjectNode> row = k.schema();
            if (row.isEmpty()) {
                continue;
            }
            ObjectNode list = props.putObject(k.name());
            list.putArray("type").add("array").add("null");
            list.set("items", fileRow(k.name(), row.get()));
        }
        for (String ignored : ResourcesFile.AISIX_COLLECTIONS) {
            props.putIfAbsent(ignored, JSON.createObjectNode().put("description", "an AISIX collection this "
                    + "gateway does not serve; ignored"));
        }
        root.put("additionalProperties", false);
        return root;
    }

    private static ObjectNode fileRow(String kind, ObjectNode stored) {
        ObjectNode row = stored.deepCopy();
        row.remove("$schema");
        ObjectNode props = (ObjectNode) row.get("properties");
        props.putObject("id").put("type", "string").put("pattern", ID)
                .put("description", "the row's id; without one it is derived from the kind and the row's name");
        ArrayNode allOf = row.has("allOf") ? (ArrayNode) row.get("allOf") : row.putArray("allOf");
        for (ResourcesFile.StandIn s : ResourcesFile.STANDS_IN) {
            if (!s.kind().equals(kind)) {
                continue;
            }
            props.putObject(s.fileField()).put("type", "string").put("pattern", "\\S")
                    .put("description", s.description());
            standIn(row, s.fileField(), s.storedField());
            // the stand-in replaces the stored field: not both
            ObjectNode both = allOf.addObject().putObject("not");
            both.putArray("required").add(s.fileField()).add(s.storedField());
        }
        if (kind.equals("api_keys")) {
            allOf.addObject().putObject("not").putArray("required").add("key");
        }
        return row;
    }

    /**
     * Wherever {@code stored} is required, {@code fileField} may be given instead: in the
     * object's {@code required} list and in the presence tests of its rules.
     */
    private static void standIn(ObjectNode row, String fileField, String stored) {
        if (row.get("required") instanceof ArrayNode req) {
            for (int i = 0; i < req.size(); i++) {
                if (req.get(i).asText().equals(stored)) {
                    req.remove(i);
                    ArrayNode anyOf = ((ArrayNode) row.get("allOf")).addObject().putArray("anyOf");
                    anyOf.addObject().putArray("required").add(stored);
                    anyOf.addObject().putArray("required").add(fileField);
                    break;
                }
            }
        }
        replacePresence(row.get("allOf"), fileField, stored);
    }

    private static void replacePresence(JsonNode node, String fileField, String stored) {
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (isPresence(a.get(i), stored)) {
                    ObjectNode either = JSON.createObjectNode();
                    either.putArray("anyOf").add(a.get(i)).add(presence(fileField));
                    a.set(i, either);
                } else {
                    replacePresence(a.get(i), fileField, stored);
                }
            }
        } else if (node instanceof ObjectNode o) {
            for (String key : fieldNames(o)) {
                JsonNode child = o.get(key);
                if (key.equals("properties")) {
                    continue;
                }
                if (isPresence(child, stored)) {
                    ObjectNode either = JSON.createObjectNode();
                    either.putArray("anyOf").add(child).add(presence(fileField));
                    o.set(key, either);
                } else {
                    replacePresence(child, fileField, stored);
                }
            }
        }
    }

    private static List<String> fieldNames(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The shape {@code FieldReader} writes for "present and not null". */
    private static boolean isPresence(JsonNode n, String field) {
        return n instanceof ObjectNode o && o.size() == 2 && o.path("required").size() == 1
                && o.path("required").get(0).asText().equals(field) && o.path("properties").has(field);
    }

    private static ObjectNode presence(String field) {
        ObjectNode s = JSON.createObjectNode();
        s.putArray("required").add(field);
        s.putObject("properties").putObject(field).putObject("not").put("type", "null");
        return s;
    }
}
