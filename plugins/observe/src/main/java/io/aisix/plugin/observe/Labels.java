package io.aisix.plugin.observe;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import java.util.Optional;

/**
 * Metric label values, all taken from configuration so cardinality stays bounded: the model label
 * is the configured alias ({@code display_name}, a wildcard alias keeps its {@code *}), the
 * provider the configured vendor id, and anything not resolved collapses to {@link #UNKNOWN}.
 */
final class Labels {
    static final String UNKNOWN = "unknown";
    private static final String[] STATUS = new String[600];

    static {
        for (int i = 0; i < STATUS.length; i++) {
            STATUS[i] = Integer.toString(i);
        }
    }

    private Labels() {
    }

    static String status(int status) {
        return status >= 0 && status < STATUS.length ? STATUS[status] : "other";
    }

    static String model(Exchange ex) {
        // a passthrough request resolves no alias: its route's name stands for it (the model the
        // caller sent is the upstream's own id, unbounded)
        Optional<io.aisix.spi.resource.PassthroughRoute> route = ex.attr(CoreAttrs.PASSTHROUGH_ROUTE);
        if (route.isPresent()) {
            return route.get().name();
        }
        Optional<String> mcp = ex.attr(CoreAttrs.MCP_SERVER);
        if (mcp.isPresent()) {
            return mcp.get(); // an MCP request: the upstream server's name, bounded by mcp_servers
        }
        Optional<Model> m = ex.attr(CoreAttrs.MODEL);
        return m.isPresent() ? m.get().displayName() : UNKNOWN;
    }

    /** The target that answered (or the first candidate when no upstream was called, e.g. a cache hit). */
    static Optional<Target> target(Exchange ex) {
        Optional<Target> t = ex.attr(CoreAttrs.TARGET);
        if (t.isPresent()) {
            return t;
        }
        return ex.attr(CoreAttrs.TARGETS).flatMap(l -> l.targets().isEmpty() ? Optional.empty()
                : Optional.of(l.targets().get(0)));
    }

    static String provider(Target t) {
        return t.model().provider().orElse(t.key().provider());
    }

    static String provider(Exchange ex) {
        Optional<io.aisix.spi.resource.PassthroughRoute> route = ex.attr(CoreAttrs.PASSTHROUGH_ROUTE);
        if (route.isPresent()) {
            return route.get().providerKeyId()
                    .flatMap(id -> ex.snapshot().get(io.aisix.support.resource.CoreKinds.PROVIDER_KEYS, id))
                    .map(k -> k.provider()).filter(p -> !p.isEmpty()).orElse(UNKNOWN);
        }
        Optional<Target> t = target(ex);
        return t.isPresent() ? provider(t.get()) : UNKNOWN;
    }
}
