package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.spi.Json;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guardrail kinds of the shipped plugins describe themselves in the guardrails schema, and
 * that schema agrees with their validators on a corpus; the checks a JSON Schema cannot express
 * (a regex that must compile, a detector type the plugin knows, reserved header names) are listed
 * and asserted to be the validator's alone.
 */
class PluginKindSchemasTest {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

    /** row | valid, invalid, or "validator-only" (refused by the plugin, allowed by the schema) */
    private static final String ROWS = """
            {"name":"g","kind":"keyword","patterns":[{"value":"secret"},{"kind":"regex","value":"sk-[a-z]+"}]} | valid
            {"name":"g","kind":"keyword","patterns":[]} | invalid
            {"name":"g","kind":"keyword","patterns":[{"kind":"glob","value":"x"}]} | invalid
            {"name":"g","kind":"keyword","patterns":[{"kind":"regex"}]} | invalid
            {"name":"g","kind":"keyword","patterns":[{"kind":"regex","value":"sk-[a-z"}]} | validator-only
            {"name":"g","kind":"pii","detectors":[{"type":"email"},{"type":"phone","action":"block"}]} | valid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"ticket","regex":"T-[0-9]+"}],"default_action":"block"} | valid
            {"name":"g","kind":"pii"} | invalid
            {"name":"g","kind":"pii","detectors":[]} | invalid
            {"name":"g","kind":"pii","detectors":[{"type":"email","action":"hide"}]} | invalid
            {"name":"g","kind":"pii","default_action":"shred","detectors":[{"type":"email"}]} | invalid
            {"name":"g","kind":"pii","detectors":[{"type":"shoe_size"}]} | validator-only
            {"name":"g","kind":"pii","detectors":[{"type":"email"},{"type":"email"}]} | validator-only
            {"name":"g","kind":"webhook","url":"https://guard.example.com/v1","headers":{"Authorization":"Bearer x"},"timeout_ms":500} | valid
            {"name":"g","kind":"webhook"} | invalid
            {"name":"g","kind":"webhook","url":"ftp://x"} | invalid
            {"name":"g","kind":"webhook","url":"https://x","timeout_ms":60001} | invalid
            {"name":"g","kind":"webhook","url":"https://x","headers":{"bad name":"x"}} | invalid
            {"name":"g","kind":"webhook","url":"https://x","headers":{"Host":"x"}} | validator-only
            {"name":"g","kind":"telepathy"} | invalid
            """;

    @Test
    void guardrailKindsFromThePluginsAgreeWithTheirSchema() throws Exception {
        ResourceKind<?> guardrails = ResourceKinds.offline(PluginRegistry.load(null, getClass().getClassLoader()))
                .stream().filter(k -> k.name().equals("guardrails")).findFirst().orElseThrow();
        var schema = FACTORY.getSchema(guardrails.schema().orElseThrow(),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        List<String> wrong = new ArrayList<>();
        for (String line : ROWS.strip().split("\n")) {
            int bar = line.lastIndexOf(" | ");
            JsonNode row = Json.mapper().readTree(line.substring(0, bar));
            String expected = line.substring(bar + 3).strip();
            boolean validator;
            try {
                guardrails.decode("g1", row);
                validator = true;
            } catch (ValidationException e) {
                validator = false;
            }
            boolean bySchema = schema.validate(row).isEmpty();
            boolean ok = switch (expected) {
                case "valid" -> validator && bySchema;
                case "invalid" -> !validator && !bySchema;
                default -> !validator && bySchema;
            };
            if (!ok) {
                wrong.add(line + " -> validator " + validator + ", schema " + bySchema);
            }
        }
        assertEquals(List.of(), wrong);
    }
}
