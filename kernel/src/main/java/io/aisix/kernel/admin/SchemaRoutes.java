package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.resources.Schemas;
import io.aisix.spi.Json;
import io.aisix.spi.resource.ResourceKind;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;

/**
 * The published JSON Schemas ({@link Schemas}) on the admin listener, under {@link #PREFIX}: the
 * index, {@code config.schema.json}, {@code resources.schema.json} and
 * {@code kinds/<kind>.schema.json}, for the kinds this gateway loaded. Like
 * {@code /admin/openapi.json}, they need no admin key (editors fetch schemas without headers, and
 * a schema holds no secret); the admin listener itself stays private.
 */
public final class SchemaRoutes implements HttpService {
    public static final String PREFIX = "/admin/schemas";

    private final Map<String, byte[]> documents = new java.util.LinkedHashMap<>();
    private final byte[] index;

    public SchemaRoutes(List<ResourceKind<?>> kinds) {
        Schemas.all(kinds).forEach((name, schema) -> documents.put(name, Schemas.bytes(schema)));
        ObjectNode idx = Json.mapper().createObjectNode();
        var names = idx.putArray("schemas");
        documents.keySet().forEach(n -> names.add(PREFIX + "/" + n));
        index = Schemas.bytes(idx);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> send(res, index))
                .get("/{name}", (req, res) -> serve(req.path().pathParameters().get("name"), res))
                .get("/kinds/{name}", (req, res) -> serve("kinds/" + req.path().pathParameters().get("name"), res));
    }

    private void serve(String name, ServerResponse res) {
        byte[] doc = documents.get(name);
        if (doc == null) {
            res.status(Status.NOT_FOUND_404).header(HeaderValues.CONTENT_TYPE_JSON)
                    .send("{\"error_msg\":\"no schema named " + name.replace("\"", "") + "\"}");
            return;
        }
        send(res, doc);
    }

    private static void send(ServerResponse res, byte[] body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/schema+json").send(body);
    }
}
