package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Set;

/**
 * A stand-in resource value that asks a decoder to describe what it accepts instead of validating:
 * {@link ResourceKind#schema()} passes one to {@link ResourceKind#decode}, and a decoder that reads
 * its fields through a schema-recording reader (plugin-support's {@code FieldReader}) writes each
 * field's JSON Schema into {@link #recording()} and decodes placeholders. The type lives in the SPI
 * because the probe crosses class loaders: the kernel makes it, a plugin's own copy of the reader
 * recognises it.
 *
 * <p>An empty JSON object to anything else, so a decoder that does not record simply fails or
 * decodes nothing, and the kind then publishes no schema.
 */
public final class SchemaProbe extends ObjectNode {
    private static final long serialVersionUID = 1L;

    private final transient ObjectNode recording;

    /** A probe whose recording starts as {@code {"type": "object"}}. */
    public SchemaProbe() {
        super(JsonNodeFactory.instance);
        recording = JsonNodeFactory.instance.objectNode();
        recording.put("type", "object");
    }

    /** The live schema a recording reader writes into. */
    public ObjectNode recording() {
        return recording;
    }

    /**
     * A copy of what was recorded, with every optional property also accepting {@code null}: the
     * store reads a null field as an absent one (YAML's {@code key:} with nothing after it).
     */
    public ObjectNode schema() {
        ObjectNode out = recording.deepCopy();
        nullMeansAbsent(out);
        return out;
    }

    private static void nullMeansAbsent(JsonNode s) {
        if (!(s instanceof ObjectNode schema)) {
            return;
        }
        if (schema.get("properties") instanceof ObjectNode props) {
            Set<String> required = new HashSet<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            props.fields().forEachRemaining(e -> {
                if (!required.contains(e.getKey()) && e.getValue() instanceof ObjectNode prop
                        && prop.get("type") != null && prop.get("type").isTextual()) {
                    String type = prop.get("type").asText();
                    prop.putArray("type").add(type).add("null");
                    if (prop.get("enum") instanceof ArrayNode values) {
                        values.addNull();
                    }
                }
            });
            props.forEach(SchemaProbe::nullMeansAbsent);
        }
        nullMeansAbsent(schema.get("items"));
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
