package io.aisix.plugin.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.plugin.exporterfile.FileExporterKind;
import io.aisix.plugin.exporterhttplog.HttpLogExporterKind;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.resource.FieldReader;
import io.aisix.testkit.TestPluginContext;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@code observability_exporters} kind knows the common fields; each installed exporter kind
 * adds its own (fields, checks, secrets, schema) once the kind is bound, a third party's as the
 * built-ins'.
 */
class ObservabilityExportersKindTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A third party's kind with a field of its own ({@code region}, required) and a secret. */
    static final class RegionKind implements ExporterKind {
        @Override
        public String kind() {
            return "acme";
        }

        @Override
        public Set<String> fields() {
            return Set.of("region", "api_key");
        }

        @Override
        public Set<String> secretFields() {
            return Set.of("api_key");
        }

        @Override
        public void validate(JsonNode row, PluginContext context) {
            FieldReader r = FieldReader.root(row);
            r.string("region", "^[a-z]+-[0-9]$", "must be a region such as eu-1");
            r.optString("api_key");
            r.finish();
        }

        @Override
        public Exporter create(ExporterResource resource, PluginContext context) {
            return batch -> { };
        }
    }

    private static ResourceKind<ExporterResource> bound() {
        return new ObservabilityExportersKind().bind(new TestPluginContext()
                .service(ExporterKind.class, new FileExporterKind())
                .service(ExporterKind.class, new HttpLogExporterKind())
                .service(ExporterKind.class, new RegionKind()));
    }

    private static List<String> issues(ResourceKind<ExporterResource> kind, String row) throws Exception {
        ValidationException e = assertThrows(ValidationException.class, () -> kind.decode("x", JSON.readTree(row)));
        return e.issues().stream().map(i -> i.path() + " " + i.message()).toList();
    }

    @Test
    void eachRowIsCheckedByItsOwnKindBesideTheCommonFields() throws Exception {
        ResourceKind<ExporterResource> kind = bound();
        assertEquals(List.of("/sample_rate must be between 0.0 and 1.0", "/path is required for kind file",
                "/max_bytes must be at least 1024"), issues(kind, "{\"name\":\"e\",\"kind\":\"file\",\"sample_rate\":2,"
                + "\"max_bytes\":10}"));
        assertEquals(List.of("/endpoint is required for kind http_log", "/timeout_ms must be an integer"),
                issues(kind, "{\"name\":\"e\",\"kind\":\"http_log\",\"timeout_ms\":\"soon\"}"));
        assertEquals(List.of("/region must be a region such as eu-1"),
                issues(kind, "{\"name\":\"e\",\"kind\":\"acme\",\"region\":\"Mars\"}"));
        kind.decode("x", JSON.readTree("{\"name\":\"e\",\"kind\":\"acme\",\"region\":\"eu-1\"}"));
        kind.decode("x", JSON.readTree("{\"name\":\"e\",\"kind\":\"not_installed\"}"));
    }

    @Test
    void anotherKindsFieldIsIgnoredNotChecked() throws Exception {
        ResourceKind<ExporterResource> kind = bound();
        JsonNode row = JSON.readTree("{\"name\":\"e\",\"kind\":\"http_log\",\"endpoint\":\"http://x\",\"max_bytes\":10,"
                + "\"timeout_ms\":5}");
        kind.decode("x", row);
        assertEquals(List.of("max_bytes"), kind.ignoredFields(row));
        assertEquals(List.of(), kind.ignoredFields(JSON.readTree("{\"name\":\"e\",\"kind\":\"file\",\"path\":\"/x\","
                + "\"max_bytes\":2048}")));
        assertTrue(kind.knownFields().containsAll(Set.of("max_bytes", "max_files", "timeout_ms", "region")),
                kind.knownFields().toString());
    }

    @Test
    void theInstalledKindsDeclareSecretsAndSchemas() {
        ResourceKind<ExporterResource> kind = bound();
        assertEquals(Set.of("api_key"), kind.secretFields());
        assertEquals(Set.of("headers"), kind.secretMaps());
        ObjectNode schema = kind.schema().orElseThrow();
        String rules = schema.path("allOf").toString();
        assertTrue(rules.contains("{\"const\":\"acme\"}") && rules.contains("\"region\""), rules);
        assertTrue(rules.contains("{\"const\":\"file\"}") && rules.contains("\"max_bytes\""), rules);
        assertTrue(!schema.path("properties").has("max_bytes"), "max_bytes is file's, not a common field");
        assertEquals(Set.of(), new ObservabilityExportersKind().secretFields(), "unbound: the common fields only");
    }
}
