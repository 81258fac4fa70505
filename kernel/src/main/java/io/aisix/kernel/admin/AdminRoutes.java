package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.plugin.PluginInfo;
import io.aisix.spi.resource.ValidationIssue;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Admin API under {@code /admin/v1} (API.md section 4). Every call needs an admin key.
 */
public final class AdminRoutes implements HttpService {
    private static final Logger LOG = Logger.getLogger(AdminRoutes.class.getName());
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private final AdminAuth auth;
    private final ResourceService resources;
    private final Supplier<JsonNode> health;
    private final List<PluginInfo> plugins;

    public AdminRoutes(AdminAuth auth, ResourceService resources, Supplier<JsonNode> health, List<PluginInfo> plugins) {
        this.auth = auth;
        this.resources = resources;
        this.health = health;
        this.plugins = plugins;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", guarded((req, res) -> send(res, 200, health.get())))
                .get("/plugins", guarded((req, res) -> send(res, 200, pluginsJson())))
                .post("/api_keys/{id}/rotate", guarded((req, res) ->
                        send(res, 200, resources.rotate(param(req, "id"), ifMatch(req)))))
                .get("/{kind}", guarded((req, res) -> send(res, 200, resources.list(param(req, "kind")))))
                .post("/{kind}", guarded((req, res) ->
                        send(res, 201, resources.create(param(req, "kind"), body(req)))))
                .get("/{kind}/{id}", guarded((req, res) ->
                        send(res, 200, resources.get(param(req, "kind"), param(req, "id")))))
                .put("/{kind}/{id}", guarded((req, res) -> {
                    ResourceService.Result r = resources.replace(param(req, "kind"), param(req, "id"), body(req),
                            ifMatch(req));
                    send(res, r.status(), r.body());
                }))
                .delete("/{kind}/{id}", guarded((req, res) -> {
                    String id = param(req, "id");
                    resources.delete(param(req, "kind"), id, ifMatch(req));
                    ObjectNode out = ResourceService.JSON.createObjectNode();
                    out.put("deleted", true);
                    out.put("id", id);
                    send(res, 200, out);
                }))
                .any(guarded((req, res) -> {
                    throw new AdminError(404, "no such admin endpoint: " + req.prologue().method().text() + " "
                            + req.path().path());
                }));
    }

    private Handler guarded(Handler h) {
        return (req, res) -> {
            if (!auth.allowed(req.headers().first(HeaderNames.AUTHORIZATION),
                    req.headers().first(HeaderNames.create("x-api-key")))) {
                res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
                sendError(res, new AdminError(401, "a valid admin key is required (Authorization: Bearer <key>)"));
                return;
            }
            try {
                h.handle(req, res);
            } catch (AdminError e) {
                sendError(res, e);
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "admin call failed", e);
                sendError(res, new AdminError(500, "internal error"));
            }
        };
    }

    private ArrayNode pluginsJson() {
        ArrayNode out = ResourceService.JSON.createArrayNode();
        for (PluginInfo p : plugins) {
            ObjectNode n = out.addObject();
            n.put("id", p.id());
            n.put("version", p.version());
            ArrayNode provides = n.putArray("provides");
            p.provides().forEach(provides::add);
            ArrayNode jars = n.putArray("jars");
            p.jars().forEach(jars::add);
        }
        return out;
    }

    private static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    private static Optional<Long> ifMatch(ServerRequest req) {
        Optional<String> h = req.headers().first(HeaderNames.IF_MATCH);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        String v = h.get().trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        v = v.replace("\"", "");
        try {
            return Optional.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new AdminError(400, "If-Match must be a revision number");
        }
    }

    private static byte[] body(ServerRequest req) {
        if (!req.content().hasEntity()) {
            throw new AdminError(400, "a JSON body is required");
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new AdminError(413, "body larger than " + MAX_BODY + " bytes");
            }
            return b;
        } catch (IOException | UncheckedIOException e) {
            throw new AdminError(400, "body could not be read");
        }
    }

    static void send(ServerResponse res, int status, JsonNode body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            res.send(ResourceService.JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sendError(ServerResponse res, AdminError e) {
        ObjectNode out = ResourceService.JSON.createObjectNode();
        out.put("error_msg", e.getMessage());
        ArrayNode errors = out.putArray("errors");
        for (ValidationIssue i : e.issues) {
            ObjectNode n = errors.addObject();
            n.put("path", i.path().isEmpty() ? "/" : i.path());
            n.put("message", i.message());
        }
        send(res, e.status, out);
    }
}
