package io.aisix.kernel.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The published schemas on the admin listener: no admin key, and never on the proxy listener. */
class SchemaRoutesIT {
    @TempDir
    Path dir;

    @Test
    void indexConfigResourcesAndEveryKind() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, "", null)) {
            HttpResponse<String> index = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/schemas/"))));
            assertEquals(200, index.statusCode(), index.body());
            List<String> names = new ArrayList<>();
            Json.mapper().readTree(index.body()).get("schemas").forEach(n -> names.add(n.asText()));
            assertTrue(names.containsAll(List.of("/admin/schemas/config.schema.json",
                    "/admin/schemas/resources.schema.json", "/admin/schemas/kinds/models.schema.json",
                    "/admin/schemas/kinds/guardrails.schema.json")), names.toString());
            for (String name : names) {
                HttpResponse<String> doc = gw.send(HttpRequest.newBuilder(URI.create(gw.admin(name))));
                assertEquals(200, doc.statusCode(), name);
                assertEquals("application/schema+json", doc.headers().firstValue("content-type").orElse(""));
                JsonNode schema = Json.mapper().readTree(doc.body());
                assertEquals("http://json-schema.org/draft-07/schema#", schema.get("$schema").asText(), name);
            }
            assertEquals(404, gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/admin/schemas/kinds/nope.schema.json"))))
                    .statusCode());
            assertEquals(404, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/admin/schemas/config.schema.json"))))
                    .statusCode(), "the proxy listener serves no schema");
        }
    }
}
