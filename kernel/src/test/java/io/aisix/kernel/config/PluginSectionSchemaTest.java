package io.aisix.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aisix.kernel.testsupport.SchemaCorpus;
import io.aisix.spi.PluginConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The config schema of an installation describes each plugin's {@code plugins.<id>} section from
 * the record its {@link PluginConfig} declares, and agrees with the binder on a corpus: types,
 * nesting, lists, maps, enums, unknown keys; a section for a plugin that is not installed is
 * refused, as the binder refuses it.
 */
class PluginSectionSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A plugin section with every shape the binder takes. */
    public record Sample(String backend, Redis redis, Long waitMs, Boolean strict, Double ratio, List<String> headers,
                        Map<String, Integer> weights, Mode mode, Duration odd) {
        public Sample {
            backend = backend == null ? "memory" : backend;
            waitMs = waitMs == null ? 5000L : waitMs;
            headers = headers == null ? List.of("x-a") : headers;
        }

        public record Redis(String url, Integer db) {
        }
    }

    public enum Mode { OPEN, CLOSED }

    static final class SampleDeclaration implements PluginConfig<Sample> {
        @Override
        public String pluginId() {
            return "sample-plugin";
        }

        @Override
        public Class<Sample> type() {
            return Sample.class;
        }
    }

    /** section (YAML flow) | valid or invalid, for binder and schema alike */
    private static final String SECTIONS = """
            {} | valid
            null | valid
            { backend: redis, redis: { url: "redis://r:6379/0", db: 2 } } | valid
            { wait_ms: 10, strict: true, ratio: 0.5, headers: [a, b], weights: { a: 1, b: 2 }, mode: OPEN } | valid
            { redis: null, headers: null } | valid
            { colour: red } | invalid
            { redis: { url: x, port: 6379 } } | invalid
            { backend: [memory] } | invalid
            { wait_ms: soon } | invalid
            { wait_ms: 1.5 } | invalid
            { strict: 3 } | invalid
            { headers: x-a } | invalid
            { weights: { a: many } } | invalid
            { weights: [1] } | invalid
            { mode: SHUT } | invalid
            { waitMs: 10 } | invalid
            """;

    @Test
    void aPluginSectionAgreesWithTheBinder() throws IOException {
        JsonNode schema = ConfigSchema.schema(List.of(new SampleDeclaration()));
        List<String> disagreements = new ArrayList<>();
        for (String line : SECTIONS.strip().split("\n")) {
            int bar = line.lastIndexOf(" | ");
            JsonNode section = YAML.readTree(line.substring(0, bar));
            boolean expected = line.substring(bar + 3).strip().equals("valid");
            boolean binder = binds(section);
            ObjectNode config = YAML.createObjectNode();
            config.putObject("plugins").set("sample-plugin", section);
            boolean bySchema = SchemaCorpus.schemaAccepts(schema, config);
            if (binder != expected || bySchema != expected) {
                disagreements.add(line + " -> binder " + binder + ", schema " + bySchema);
            }
        }
        assertEquals(List.of(), disagreements);
    }

    @Test
    void theSectionIsDescribed() {
        JsonNode section = ConfigSchema.schema(List.of(new SampleDeclaration()))
                .at("/properties/plugins/properties/sample-plugin");
        assertFalse(section.path("additionalProperties").asBoolean(true), "unknown keys refused: " + section);
        assertTrue(section.path("description").asText().contains("plugin sample-plugin"), section.toString());
        JsonNode p = section.path("properties");
        assertEquals("memory", p.at("/backend/default").asText());
        assertEquals(5000, p.at("/wait_ms/default").asInt());
        assertEquals("[\"x-a\"]", p.at("/headers/default").toString());
        assertEquals("[\"OPEN\",\"CLOSED\",null]", p.at("/mode/enum").toString());
        assertFalse(p.at("/redis/additionalProperties").asBoolean(true), "nested records are strict too");
        assertTrue(p.has("odd") && !p.get("odd").has("type"), "a type JSON Schema cannot describe is left open: " + p);
    }

    @Test
    void onlyInstalledPluginsHaveSectionsAndWithoutAnInstallationAnyIsAllowed() throws IOException {
        JsonNode other = YAML.readTree("plugins: { dir: plugins, other-plugin: { x: 1 } }");
        assertFalse(SchemaCorpus.schemaAccepts(ConfigSchema.schema(List.of(new SampleDeclaration())), other));
        assertFalse(SchemaCorpus.schemaAccepts(ConfigSchema.schema(List.of()), other), "no plugin takes settings");
        assertTrue(SchemaCorpus.schemaAccepts(ConfigSchema.schema(), other), "installation unknown");
    }

    private static boolean binds(JsonNode section) {
        try {
            ConfigLoader.bind(section.isNull() ? YAML.createObjectNode() : section, Sample.class, k -> k);
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }
}
