package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.plugin.PluginInfo;
import io.aisix.kernel.stats.StatsDocuments;
import io.aisix.kernel.stats.UsageRing;
import io.aisix.spi.resource.ValidationIssue;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
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
 * The Admin API under {@code /admin/v1} (API.md section 4). Every call needs an admin key. Over a
 * read-only store (a resources file) every write answers 405 with {@code Allow: GET}, after the
 * key was checked.
 */
public final class AdminRoutes implements HttpService {
    private static final Logger LOG = Logger.getLogger(AdminRoutes.class.getName());
    private static final int MAX_BODY = 4 * 1024 * 1024;
    /** On reads answered from the last known rows: their store revision, and since when the store is unreachable. */
    static final String STALE_REVISION = "x-aisix-stale-revision";
    static final String STALE_SINCE = "x-aisix-stale-since";

    private final AdminAuth auth;
    private final ResourceService resources;
    private final Supplier<JsonNode> health;
    private final List<PluginInfo> plugins;
    private final Supplier<JsonNode> modelStatus;
    private final StatsDocuments stats;

    public AdminRoutes(AdminAuth auth, ResourceService resources, Supplier<JsonNode> health, List<PluginInfo> plugins) {
        this(auth, resources, health, plugins, ResourceService.JSON::createArrayNode);
    }

    public AdminRoutes(AdminAuth auth, ResourceService resources, Supplier<JsonNode> health, List<PluginInfo> plugins,
                       Supplier<JsonNode> modelStatus) {
        this(auth, resources, health, plugins, modelStatus, new StatsDocuments(
                new UsageRing(java.time.Clock.systemUTC()), new StatsDocuments.Board()));
    }

    /**
     * @param modelStatus the {@code GET /admin/v1/models/status} document (AISIX's, as {@code /status/models})
     * @param stats       the {@code GET /admin/v1/stats} and {@code GET /admin/v1/spend} documents
     */
    public AdminRoutes(AdminAuth auth, ResourceService resources, Supplier<JsonNode> health, List<PluginInfo> plugins,
                       Supplier<JsonNode> modelStatus, StatsDocuments stats) {
        this.auth = auth;
        this.resources = resources;
        this.health = health;
        this.plugins = plugins;
        this.modelStatus = modelStatus;
        this.stats = stats;
    }

    /**
     * One Admin API route: HTTP method and path template relative to {@code /admin/v1}
     * ({@code {kind}} and {@code {id}} are path parameters). {@link #ROUTES} is the complete list the
     * listener serves, so documentation (the OpenAPI document) can be checked against it.
     */
    public record Route(String method, String path) {
        /** The path as served: {@code /admin/v1} + {@link #path()}. */
        public String fullPath() {
            return PREFIX + path;
        }
    }

    /** Where {@link AdminRoutes} is mounted on the admin listener. */
    public static final String PREFIX = "/admin/v1";

    /** What a route does, given the instance that serves it. */
    private interface Op {
        void handle(AdminRoutes self, ServerRequest req, ServerResponse res);
    }

    private record Bound(Route route, Op op) {
    }

    // Order matters: Helidon matches in registration order, so fixed paths come before {kind}.
    private static final List<Bound> TABLE = List.of(
            new Bound(new Route("GET", "/health"), (self, req, res) -> send(res, 200, self.health.get())),
            new Bound(new Route("GET", "/plugins"), (self, req, res) -> send(res, 200, self.pluginsJson())),
            new Bound(new Route("GET", "/models/status"), (self, req, res) -> send(res, 200, self.modelStatus.get())),
            new Bound(new Route("GET", "/stats"), (self, req, res) -> send(res, 200, query(() -> self.stats.stats(
                    queryParam(req, "window").orElse("1h"), queryParam(req, "by").orElse("model"),
                    Integer.parseInt(queryParam(req, "top").orElse("10")))))),
            new Bound(new Route("GET", "/spend"), (self, req, res) ->
                    send(res, 200, self.stats.spend(queryParam(req, "budget")))),
            new Bound(new Route("POST", "/api_keys/{id}/rotate"), (self, req, res) ->
                    send(res, 200, self.resources.rotate(param(req, "id"), ifMatch(req)))),
            new Bound(new Route("GET", "/{kind}"), (self, req, res) ->
                    send(res, self.resources.list(param(req, "kind")))),
            new Bound(new Route("POST", "/{kind}"), (self, req, res) ->
                    send(res, 201, self.resources.create(param(req, "kind"), body(req)))),
            new Bound(new Route("GET", "/{kind}/{id}"), (self, req, res) ->
                    send(res, self.resources.get(param(req, "kind"), param(req, "id")))),
            new Bound(new Route("PUT", "/{kind}/{id}"), (self, req, res) -> {
                ResourceService.Result r = self.resources.replace(param(req, "kind"), param(req, "id"), body(req),
                        ifMatch(req));
                send(res, r.status(), r.body());
            }),
            new Bound(new Route("DELETE", "/{kind}/{id}"), (self, req, res) -> {
                String id = param(req, "id");
                self.resources.delete(param(req, "kind"), id, ifMatch(req));
                ObjectNode out = ResourceService.JSON.createObjectNode();
                out.put("deleted", true);
                out.put("id", id);
                send(res, 200, out);
            }));

    /** Every route of the Admin API, in matching order. */
    public static final List<Route> ROUTES = TABLE.stream().map(Bound::route).toList();

    @Override
    public void routing(HttpRules rules) {
        for (Bound b : TABLE) {
            boolean write = !b.route().method().equals("GET");
            rules.route(Method.create(b.route().method()), b.route().path(), guarded((req, res) -> {
                if (write) {
                    refuseWhenReadOnly();
                }
                b.op().handle(this, req, res);
            }));
        }
        rules.any(guarded((req, res) -> {
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

    /** A store that takes no writes (a resources file): 405 before the body is read, saying where to edit. */
    private void refuseWhenReadOnly() {
        Optional<String> reason = resources.readOnly();
        if (reason.isPresent()) {
            throw new AdminError(405, "the Admin API is read-only: " + reason.get());
        }
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

    private static Optional<String> queryParam(ServerRequest req, String name) {
        return req.query().first(name).asOptional();
    }

    /** A document built from query parameters: a bad one is a 400 naming it. */
    private static JsonNode query(Supplier<? extends JsonNode> build) {
        try {
            return build.get();
        } catch (NumberFormatException e) {
            throw new AdminError(400, "top must be a number");
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, e.getMessage());
        }
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
        // Not try-with-resources: closing the entity stream drains the rest of the body (all of an
        // oversized one, or forever after a framing error). The listener's filter closes the
        // connection after an answer that left the body unread.
        InputStream in = req.content().inputStream();
        try {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new AdminError(413, "body larger than " + MAX_BODY + " bytes");
            }
            in.close();
            return b;
        } catch (IOException | UncheckedIOException e) {
            throw new AdminError(400, "body could not be read");
        } catch (io.helidon.webserver.CloseConnectionException e) {
            throw e;
        } catch (io.helidon.http.RequestException | IllegalArgumentException e) {
            // an invalid chunk size or terminator (Helidon 4.5.0 lets a NumberFormatException escape)
            throw new AdminError(400, "request body framing is invalid (chunk size or terminator)");
        }
    }

    /** A read: 200, flagged stale when it comes from the rows last read while the store is unreachable. */
    private static void send(ServerResponse res, ResourceService.Read<? extends JsonNode> read) {
        read.stale().ifPresent(k -> {
            res.header(STALE_REVISION, Long.toString(k.revision()));
            res.header(STALE_SINCE, k.since().toString());
        });
        send(res, 200, read.body());
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

    /** The admin listener's answer for a path nobody serves: its JSON envelope, never Helidon's plain text. */
    public static void notFound(ServerRequest req, ServerResponse res) {
        sendError(res, new AdminError(404, "no such endpoint: " + req.prologue().method().text() + " "
                + req.path().path()));
    }

    private static void sendError(ServerResponse res, AdminError e) {
        if (e.status == 405) {
            res.header(HeaderNames.ALLOW, "GET");
        }
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
