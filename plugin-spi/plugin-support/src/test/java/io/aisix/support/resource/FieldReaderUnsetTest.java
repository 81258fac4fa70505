package io.aisix.support.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.resource.SchemaProbe;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FieldReader#unset}: a known field accepted only absent or null, and described so. */
class FieldReaderUnsetTest {
    private static void read(JsonNode value) {
        FieldReader r = FieldReader.root(value);
        r.unset("spec", "is not supported");
        r.finish();
    }

    @Test
    void absentOrNullPassesAnyValueIsRefusedWithItsPath() throws Exception {
        read(Json.mapper().readTree("{}"));
        read(Json.mapper().readTree("{\"spec\":null}"));
        for (String set : List.of("{\"spec\":{}}", "{\"spec\":\"x\"}", "{\"spec\":0}")) {
            ValidationException e = assertThrows(ValidationException.class, () -> read(Json.mapper().readTree(set)));
            assertEquals("/spec", e.issues().get(0).path(), set);
            assertEquals("is not supported", e.issues().get(0).message(), set);
        }
    }

    @Test
    void theSchemaAllowsOnlyNull() {
        SchemaProbe probe = new SchemaProbe();
        FieldReader.root(probe).unset("spec", "is not supported");
        assertEquals("{\"enum\":[null]}", probe.schema().path("properties").path("spec").toString());
    }
}
