package io.aisix.adminui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.admin.AdminExtension;
import io.aisix.support.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;

/**
 * The operator pages on the admin listener: the OpenAPI document at {@value #OPENAPI}, the browse
 * page at {@value #ADMIN_UI}, the operator console at {@value #CONSOLE} (resource tables and forms
 * generated from the published schemas, plots of {@code /admin/v1/stats}), the playground at {@value #PLAYGROUND} with its forwarder to the proxy
 * listener ({@link PlaygroundForwarder}), and {@value #UI_CONFIG}, which tells the pages the proxy
 * listener's scheme and port (no secret).
 *
 * <p>Contract: everything is read from this jar at construction and served from memory (no CDN,
 * works offline). The pages and documents need no key: the admin key is typed into the page, kept
 * in memory or the tab's sessionStorage and sent as a Bearer token to {@code /admin/v1}; the
 * forwarder needs it too. Pages carry a strict Content-Security-Policy (same-origin scripts,
 * styles and connections only). Mounted by the kernel only where an admin listener exists, so none
 * of this is reachable on the proxy listener or in managed mode.
 */
public final class AdminUiExtension implements AdminExtension {
    public static final String OPENAPI = "/admin/openapi.json";
    public static final String UI_CONFIG = "/admin/ui-config.json";
    public static final String ADMIN_UI = "/admin/ui/";
    public static final String CONSOLE = "/admin/console/";
    public static final String ASSETS = "/admin/ui/assets/";
    public static final String PLAYGROUND = "/playground/";
    public static final String PLAYGROUND_API = PlaygroundForwarder.PREFIX;
    public static final String ADMIN_KEY_HEADER = PlaygroundForwarder.ADMIN_KEY_HEADER;

    /** The GET documents and pages; each has an entry in the OpenAPI document. */
    public static final List<String> DOCUMENTED_PATHS = List.of(OPENAPI, UI_CONFIG, ADMIN_UI, CONSOLE, PLAYGROUND);

    /** The class-path resource holding the OpenAPI document. */
    public static final String SPEC_RESOURCE = "openapi/aisix.json";

    static final ObjectMapper JSON = Json.mapper();
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final byte[] spec;
    private final Assets assets = new Assets();
    private volatile PlaygroundForwarder forwarder;

    public AdminUiExtension() {
        this.spec = Assets.read(SPEC_RESOURCE);
        try {
            JSON.readTree(spec); // a broken document is a build bug: fail at startup, not in a browser
        } catch (IOException e) {
            throw new IllegalStateException(SPEC_RESOURCE + " is not valid JSON", e);
        }
    }

    @Override
    public void routing(HttpRules rules, Context context) {
        PlaygroundForwarder f = new PlaygroundForwarder(context);
        forwarder = f;
        Assets.Asset admin = assets.page("admin.html");
        Assets.Asset playground = assets.page("playground.html");
        Assets.Asset console = assets.page("console.html");
        rules.get(OPENAPI, (req, res) -> send(res, 200, "application/json", spec))
                .get(UI_CONFIG, (req, res) -> send(res, 200, "application/json", uiConfig(context.proxyUri())))
                .get(ADMIN_UI, page(admin))
                .get("/admin/ui", page(admin))
                .get(ASSETS + "{name}", (req, res) -> {
                    var asset = assets.get(req.path().pathParameters().get("name"));
                    if (asset.isEmpty()) {
                        sendError(res, 404, "no such asset");
                    } else {
                        page(asset.get()).handle(req, res);
                    }
                })
                .get(CONSOLE, page(console))
                .get("/admin/console", page(console))
                .get(PLAYGROUND, page(playground))
                .get("/playground", page(playground))
                .any(PLAYGROUND_API + "/{+path}", f);
    }

    private static Handler page(Assets.Asset asset) {
        return (req, res) -> {
            if (asset.contentType().startsWith("text/html")) {
                res.header(HeaderNames.create("Content-Security-Policy"), CSP);
                res.header(HeaderNames.create("X-Frame-Options"), "DENY");
            }
            send(res, 200, asset.contentType(), asset.body());
        };
    }

    private static byte[] uiConfig(URI proxy) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode p = out.putObject("proxy");
        p.put("scheme", proxy.getScheme());
        p.put("port", proxy.getPort());
        out.put("playground_api", PLAYGROUND_API);
        out.put("admin_api", "/admin/v1");
        out.put("openapi", OPENAPI);
        return write(out);
    }

    static void send(ServerResponse res, int status, String contentType, byte[] body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.send(body);
    }

    /** The Admin API's error envelope ({@code {"error_msg", "errors": []}}). */
    static void sendError(ServerResponse res, int status, String message) {
        ObjectNode out = JSON.createObjectNode();
        out.put("error_msg", message);
        out.putArray("errors");
        send(res, status, "application/json", write(out));
    }

    private static byte[] write(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        PlaygroundForwarder f = forwarder;
        if (f != null) {
            f.close();
        }
    }
}
