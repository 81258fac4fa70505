package io.aisix.kernel.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.aisix.support.Json;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A resource kind's published schema and its validator agree on a corpus of rows, for the kernel's
 * kinds and for plugins' kinds alike. A corpus line is {@code kind | row | verdict}: {@code valid}
 * or {@code invalid} (both must say so), or in a list of known differences {@code schema} or
 * {@code validator} (only that one accepts). {@code HASH} in a row stands for 64 hex digits.
 */
public final class SchemaCorpus {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    private static final SchemaValidatorsConfig STRICT = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();
    private static final String HASH = "a".repeat(64);

    private SchemaCorpus() {
    }

    /** Whether a JSON Schema accepts a value, with format assertions on. */
    public static boolean schemaAccepts(JsonNode schema, JsonNode value) {
        return FACTORY.getSchema(schema, STRICT).validate(value).isEmpty();
    }

    private static boolean decodes(ResourceKind<?> kind, JsonNode row) {
        try {
            kind.decode("id-1", row);
            return true;
        } catch (ValidationException e) {
            return false;
        }
    }

    /** Every line of {@code rows} gets the expected verdict from both; every kind has a line. */
    public static void agree(Map<String, ResourceKind<?>> kinds, String rows) {
        List<String> disagreements = new ArrayList<>();
        Set<String> covered = new TreeSet<>();
        for (String line : rows.strip().split("\n")) {
            String[] f = line.split(" \\| ");
            ResourceKind<?> kind = kinds.get(f[0].strip());
            JsonNode row = row(f[1]);
            boolean expected = f[2].strip().equals("valid");
            boolean validator = decodes(kind, row);
            boolean schema = schemaAccepts(kind.schema().orElseThrow(), row);
            if (validator != expected || schema != expected) {
                disagreements.add(line + " -> validator " + validator + ", schema " + schema);
            }
            covered.add(kind.name());
        }
        assertEquals(List.of(), disagreements);
        assertEquals(new TreeSet<>(kinds.keySet()), covered, "every kind is in the corpus");
    }

    /** Each line is accepted by exactly the one it names. */
    public static void differExactly(Map<String, ResourceKind<?>> kinds, String differences) {
        for (String line : differences.strip().split("\n")) {
            String[] f = line.split(" \\| ");
            ResourceKind<?> kind = kinds.get(f[0].strip());
            JsonNode row = row(f[1]);
            assertEquals(f[2].strip().equals("validator"), decodes(kind, row), line);
            assertEquals(f[2].strip().equals("schema"), schemaAccepts(kind.schema().orElseThrow(), row), line);
        }
    }

    /**
     * The kind publishes a schema with every field it reads (but {@code readElsewhere}: fields
     * read by code outside the decoder) and allows unknown fields, as its decoder ignores them.
     */
    public static void namesTheFieldsItReads(ResourceKind<?> k, Set<String> readElsewhere) {
        ObjectNode s = k.schema().orElseThrow(() -> new AssertionError(k.name() + " has no schema"));
        Set<String> properties = new TreeSet<>();
        s.get("properties").fieldNames().forEachRemaining(properties::add);
        // a guardrail kind's own fields, under "if kind is ... then"
        s.path("allOf").forEach(rule -> rule.path("then").path("properties").fieldNames()
                .forEachRemaining(properties::add));
        Set<String> known = new TreeSet<>(k.knownFields());
        known.removeAll(readElsewhere);
        assertTrue(properties.containsAll(known), k.name() + ": " + known + " not all in " + properties);
        assertEquals(true, s.get("additionalProperties").asBoolean(), "unknown fields are ignored, not refused");
    }

    private static JsonNode row(String json) {
        try {
            return Json.mapper().readTree(json.strip().replace("HASHUPPER", HASH.toUpperCase()).replace("HASH", HASH));
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
