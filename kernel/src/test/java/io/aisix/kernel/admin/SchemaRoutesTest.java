package io.aisix.kernel.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The published schemas in memory ({@code @RoutingTest}): {@link SchemaRoutes} mounted as the admin
 * listener mounts it, for the core kinds. That the admin listener serves them without an admin key
 * and the proxy listener never does is the listeners' wiring, checked on a real gateway
 * ({@code AdminApiIT.theSchemasNeedNoKeyAndTheProxyListenerServesNone}).
 */
@RoutingTest
class SchemaRoutesTest {
    private final DirectClient client;

    SchemaRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.register(SchemaRoutes.PREFIX, new SchemaRoutes(CoreKinds.all(), List.of()));
    }

    private ClientResponseTyped<String> get(String path) {
        return client.get(path).request(String.class);
    }

    private List<String> index() throws Exception {
        ClientResponseTyped<String> index = get("/admin/schemas/");
        assertEquals(Status.OK_200, index.status(), index.entity());
        List<String> names = new ArrayList<>();
        Json.mapper().readTree(index.entity()).get("schemas").forEach(n -> names.add(n.asText()));
        return names;
    }

    @Test
    void theIndexNamesConfigResourcesAndEveryKind() throws Exception {
        List<String> names = index();
        assertTrue(names.containsAll(List.of("/admin/schemas/config.schema.json",
                "/admin/schemas/resources.schema.json", "/admin/schemas/kinds/models.schema.json",
                "/admin/schemas/kinds/passthrough_routes.schema.json")), names.toString());
    }

    @Test
    void everyIndexedNameServesADraft07Schema() throws Exception {
        for (String name : index()) {
            ClientResponseTyped<String> doc = get(name);
            assertEquals(Status.OK_200, doc.status(), name);
            assertEquals("application/schema+json", doc.headers().contentType().orElseThrow().text());
            JsonNode schema = Json.mapper().readTree(doc.entity());
            assertEquals("http://json-schema.org/draft-07/schema#", schema.get("$schema").asText(), name);
        }
    }

    @Test
    void anUnknownKindIsNotFound() {
        assertEquals(Status.NOT_FOUND_404, get("/admin/schemas/kinds/nope.schema.json").status());
    }
}
