package io.aisix.plugin.aliasresolver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.PassthroughRoute;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Resolves the requested {@code model} to its alias and upstream targets (exact name first, then
 * the most specific wildcard alias), checks the caller's {@code allowed_models}, and answers
 * {@code GET /v1/models} with the aliases the caller may use.
 */
final class AliasResolverFilter implements Filter {
    private static final ObjectMapper JSON = Json.mapper();

    private final AliasIndex index;
    private final Clock clock;

    AliasResolverFilter(AliasIndex index, Clock clock) {
        this.index = index;
        this.clock = clock;
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        Optional<CallerKey> caller = exchange.attr(CoreAttrs.CALLER);
        if (exchange.endpoint() == Endpoint.MODELS) {
            return listModels(caller);
        }
        if (exchange.endpoint() == Endpoint.PASSTHROUGH) {
            return passthrough(exchange, caller, chain);
        }
        if (exchange.endpoint() == Endpoint.MCP) {
            return chain.proceed(exchange); // no model: the mcp-gateway plugin checks mcp_access
        }
        JsonNode model = exchange.json().get("model");
        if (model == null || model.isNull()) {
            throw GatewayException.invalidRequest("'model' is required", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw GatewayException.invalidRequest("'model' must be a non-empty string", "model");
        }
        String alias = model.asText();
        AliasIndex.Resolved resolved = index.resolve(alias).orElseThrow(() ->
                new GatewayException(ErrorCode.MODEL_NOT_FOUND, "model \"" + alias + "\" not found"));
        if (caller.isPresent() && !allowed(caller.get().allowedModels(), alias)) {
            throw new GatewayException(ErrorCode.PERMISSION_DENIED, "this API key may not use model \"" + alias + "\"");
        }
        exchange.attr(CoreAttrs.ALIAS, alias);
        exchange.attr(CoreAttrs.MODEL, resolved.model());
        exchange.attr(CoreAttrs.TARGETS, resolved.targets());
        return chain.proceed(exchange);
    }

    /**
     * A passthrough request: the route its path names, the caller's {@code allowed_routes}, and,
     * when the body is JSON naming a {@code model}, the caller's {@code allowed_models} (the model
     * is the upstream's own id here: no alias is resolved).
     */
    private Response passthrough(Exchange exchange, Optional<CallerKey> caller, Chain chain) {
        PassthroughRoute route = PassthroughRoute.match(exchange.snapshot().all(CoreKinds.PASSTHROUGH_ROUTES),
                exchange.path()).orElseThrow(() -> new GatewayException(ErrorCode.NOT_FOUND,
                "no passthrough route serves " + exchange.path()));
        if (caller.isPresent() && !allowed(caller.get().allowedRoutes(), route.name())) {
            throw new GatewayException(ErrorCode.PERMISSION_DENIED,
                    "this API key may not use passthrough route \"" + route.name() + "\"");
        }
        String model = requestedModel(exchange);
        if (model != null) {
            if (caller.isPresent() && !allowed(caller.get().allowedModels(), model)) {
                throw new GatewayException(ErrorCode.PERMISSION_DENIED, "this API key may not use model \"" + model + "\"");
            }
            exchange.attr(CoreAttrs.ALIAS, model);
        }
        exchange.attr(CoreAttrs.PASSTHROUGH_ROUTE, route);
        return chain.proceed(exchange);
    }

    /** The string {@code model} of a JSON object body, else null (passthrough bodies need not be JSON). */
    private static String requestedModel(Exchange exchange) {
        byte[] body = exchange.body();
        if (body.length == 0 || exchange.requestHeaders().first("content-type")
                .filter(t -> t.toLowerCase(java.util.Locale.ROOT).contains("json")).isEmpty()) {
            return null;
        }
        try {
            JsonNode m = exchange.json().get("model");
            return m != null && m.isTextual() && !m.asText().isBlank() ? m.asText() : null;
        } catch (GatewayException notJson) {
            return null; // forwarded as sent: the upstream judges its own body
        }
    }

    static boolean allowed(List<String> globs, String alias) {
        for (String g : globs) {
            if (Glob.matches(g, alias)) {
                return true;
            }
        }
        return false;
    }

    private Response listModels(Optional<CallerKey> caller) {
        long created = clock.instant().getEpochSecond();
        TreeMap<String, Model> visible = new TreeMap<>();
        index.exact().forEach((name, m) -> {
            if (caller.isEmpty() || allowed(caller.get().allowedModels(), name)) {
                visible.put(name, m);
            }
        });
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        visible.forEach((name, m) -> {
            ObjectNode item = data.addObject();
            item.put("id", name);
            item.put("object", "model");
            item.put("created", created);
            item.put("owned_by", index.owner(m));
        });
        try {
            return Response.json(JSON.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
