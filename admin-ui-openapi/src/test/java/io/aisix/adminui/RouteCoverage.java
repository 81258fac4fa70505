package io.aisix.adminui;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.admin.AdminRoutes;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.http.Probes;
import io.aisix.spi.Endpoint;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The routes the gateway really serves, derived from the code, compared with the paths of an
 * OpenAPI document, as {@code "METHOD /path"} strings.
 */
final class RouteCoverage {
    private static final List<String> HTTP_METHODS = List.of("get", "put", "post", "delete", "patch", "options", "head",
            "trace");

    /** What is missing on each side; both empty when the document and the code agree. */
    record Diff(Set<String> undocumented, Set<String> notServed) {
        boolean clean() {
            return undocumented.isEmpty() && notServed.isEmpty();
        }
    }

    private RouteCoverage() {
    }

    /**
     * Every route: the Admin API's (a {@code {kind}} route once per kind the document spells out and
     * once as the template for other plugin kinds), the proxy endpoints, the probes, the default
     * metrics path and the pages and documents of this module.
     */
    static Set<String> served(List<AdminRoutes.Route> admin, List<String> spelledOutKinds) {
        Set<String> out = new TreeSet<>();
        for (AdminRoutes.Route r : admin) {
            out.add(r.method() + " " + r.fullPath());
            if (r.path().contains("{kind}")) {
                for (String k : spelledOutKinds) {
                    out.add(r.method() + " " + r.fullPath().replace("{kind}", k));
                }
            }
        }
        for (Endpoint e : Endpoint.values()) {
            if (e.anyMethod()) {
                // a prefix endpoint taking any method: documented as a templated path per method
                for (String m : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
                    out.add(m + " " + e.path() + "{route}/{path}");
                }
            } else {
                out.add(e.method() + " " + e.path());
                if (e == Endpoint.MCP) {
                    out.add(e.method() + " " + e.path() + "/{server}"); // one upstream MCP server
                }
            }
        }
        for (String p : Probes.PATHS) {
            out.add("GET " + p);
        }
        out.add("GET " + GatewayConfig.defaults().metrics().path());
        for (String p : AdminUiExtension.DOCUMENTED_PATHS) {
            out.add("GET " + p);
        }
        return out;
    }

    static Set<String> documented(JsonNode spec) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = spec.path("paths").fieldNames(); it.hasNext(); ) {
            String path = it.next();
            JsonNode item = spec.path("paths").path(path);
            for (String m : HTTP_METHODS) {
                if (item.has(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + path);
                }
            }
        }
        return out;
    }

    static Diff diff(Set<String> served, Set<String> documented) {
        Set<String> undocumented = new TreeSet<>(served);
        undocumented.removeAll(documented);
        Set<String> notServed = new TreeSet<>(documented);
        notServed.removeAll(served);
        return new Diff(undocumented, notServed);
    }
}
