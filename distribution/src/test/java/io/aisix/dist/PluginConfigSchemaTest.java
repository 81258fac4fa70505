package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aisix.kernel.config.ConfigSchema;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.testsupport.SchemaCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The config schema of the shipped plugins describes each one's {@code plugins.<id>} section: the
 * shipped {@code conf/config.yaml} is valid as it is and with its commented plugin examples turned
 * on, and a section with an unknown key or a value of the wrong type is not.
 */
class PluginConfigSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final PluginRegistry SHIPPED = PluginRegistry.load(null, PluginConfigSchemaTest.class.getClassLoader());
    private static final JsonNode SCHEMA = ConfigSchema.schema(SHIPPED.configs().values());

    private static Path shippedConfig() {
        return Path.of(System.getProperty("aisix.source.root"), "conf", "config.yaml");
    }

    @Test
    void everyShippedPluginWithSettingsHasItsSection() {
        Set<String> described = new TreeSet<>();
        SCHEMA.at("/properties/plugins/properties").fieldNames().forEachRemaining(described::add);
        Set<String> expected = new TreeSet<>(SHIPPED.configs().keySet());
        expected.add("dir");
        assertEquals(expected, described);
        assertTrue(described.containsAll(List.of("rate-limit", "cache", "cache-redis", "budgets", "observe",
                "request-id")), described.toString());
        JsonNode rateLimit = SCHEMA.at("/properties/plugins/properties/rate-limit");
        assertEquals("memory", rateLimit.at("/properties/backend/default").asText(), rateLimit.toString());
        assertFalse(rateLimit.path("additionalProperties").asBoolean(true), rateLimit.toString());
        JsonNode redis = SCHEMA.at("/properties/plugins/properties/redis");
        assertTrue(redis.at("/properties/ready_while_disconnected/default").asBoolean(false), redis.toString());
    }

    @Test
    void theShippedConfigAndItsPluginExamplesAreValid() throws IOException {
        String shipped = Files.readString(shippedConfig());
        assertTrue(SchemaCorpus.schemaAccepts(SCHEMA, tree(shipped)), "conf/config.yaml as shipped");
        String examples = withPluginExamples(shipped);
        JsonNode plugins = tree(examples).path("plugins");
        assertTrue(plugins.has("rate-limit") && plugins.has("cache") && plugins.has("budgets"),
                "the commented examples of conf/config.yaml's plugins section: " + plugins);
        assertTrue(SchemaCorpus.schemaAccepts(SCHEMA, tree(examples)), "conf/config.yaml with its plugin examples on:\n"
                + examples);
    }

    @Test
    void aSectionWithAnUnknownKeyOrAWrongTypeIsInvalid() throws IOException {
        List<String> accepted = new ArrayList<>();
        for (String yaml : List.of(
                "plugins: { rate-limit: { backend: memory, colour: red } }",
                "plugins: { rate-limit: { backend: 5 } }",
                "plugins: { rate-limit: { redis: { url: redis://r, port: 6379 } } }",
                "plugins: { cache: { memory: { max_entries: lots } } }",
                "plugins: { request-id: { accept_headers: x-request-id } }",
                "plugins: { observe: { access_log: yes please } }",
                "plugins: { redis: { ready_while_disconnected: sometimes } }",
                "plugins: { redis: { url: redis://r } }",
                "plugins: { no-such-plugin: {} }")) {
            if (SchemaCorpus.schemaAccepts(SCHEMA, tree(yaml))) {
                accepted.add(yaml);
            }
        }
        assertEquals(List.of(), accepted);
    }

    /**
     * The config with the commented lines of its {@code plugins:} section turned on: each
     * {@code "  # "} there becomes {@code "  "}.
     */
    private static String withPluginExamples(String config) {
        StringBuilder out = new StringBuilder();
        boolean inPlugins = false;
        for (String line : config.split("\n", -1)) {
            if (!line.startsWith(" ") && !line.startsWith("#") && !line.isBlank()) {
                inPlugins = line.startsWith("plugins:");
            }
            out.append(inPlugins && line.startsWith("  # ") ? "  " + line.substring(4) : line).append('\n');
        }
        return out.toString();
    }

    private static JsonNode tree(String yaml) throws IOException {
        JsonNode n = YAML.readTree(yaml);
        return n == null || n.isMissingNode() ? YAML.createObjectNode() : n;
    }
}
