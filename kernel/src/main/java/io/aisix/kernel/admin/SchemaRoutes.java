package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.resources.Schemas;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The published JSON Schemas ({@link Schemas}) on the admin listener, under {@link #PREFIX}: the
 * index, {@code config.schema.json}, {@code resources.schema.json} and
 * {@code kinds/<kind>.schema.json}, for the kinds and plugin sections this gateway loaded. Like
 * {@code /admin/openapi.json}, they need no admin key (editors fetch schemas without headers, and
 * a schema holds no secret); the admin listener itself stays private.
 */
public final class SchemaRoutes implements HttpService {
    public static final String PREFIX = "/admin/schemas";

    private final List<ResourceKind<?>> kinds;
    private final List<PluginConfig<?>> configs;
    // built on the first request, not at start-up (rendering every kind's schema took ~30 ms of
    // each start); the kinds and plugins are fixed for the gateway's life, so once is enough
    private volatile Documents documents;

    private record Documents(Map<String, byte[]> byName, byte[] index) {
    }

    public SchemaRoutes(List<ResourceKind<?>> kinds, Collection<PluginConfig<?>> configs) {
        this.kinds = List.copyOf(kinds);
        this.configs = List.copyOf(configs);
    }

    private Documents documents() {
        Documents d = documents;
        if (d == null) {
            Map<String, byte[]> byName = new java.util.LinkedHashMap<>();
            Schemas.all(kinds, configs).forEach((name, schema) -> byName.put(name, Schemas.bytes(schema)));
            ObjectNode idx = Json.mapper().createObjectNode();
            var names = idx.putArray("schemas");
            byName.keySet().forEach(n -> names.add(PREFIX + "/" + n));
            d = new Documents(Map.copyOf(byName), Schemas.bytes(idx));
            documents = d; // two racing first requests build the same bytes; either result serves
        }
        return d;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> send(res, documents().index()))
                .get("/{name}", (req, res) -> serve(req.path().pathParameters().get("name"), res))
                .get("/kinds/{name}", (req, res) -> serve("kinds/" + req.path().pathParameters().get("name"), res));
    }

    private void serve(String name, ServerResponse res) {
        byte[] doc = documents().byName().get(name);
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
