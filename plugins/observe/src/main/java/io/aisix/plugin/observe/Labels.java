package io.aisix.plugin.observe;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.CoreAttrs.TargetList;
import io.aisix.spi.Exchange;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.PassthroughRoute;
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

    /** The model label; {@code passthrough} is the request's {@link CoreAttrs#PASSTHROUGH_ROUTE} or null. */
    static String model(Exchange ex, PassthroughRoute passthrough) {
        // a passthrough request resolves no alias: its route's name stands for it (the model the
        // caller sent is the upstream's own id, unbounded)
        if (passthrough != null) {
            return passthrough.name();
        }
        Optional<String> mcp = ex.attr(CoreAttrs.MCP_SERVER);
        if (mcp.isPresent()) {
            return mcp.get(); // an MCP request: the upstream server's name, bounded by mcp_servers
        }
        Model m = ex.attr(CoreAttrs.MODEL).orElse(null);
        return m != null ? m.displayName() : UNKNOWN;
    }

    /** The first candidate target ({@link CoreAttrs#TARGETS}), or null: who would have answered a cache hit. */
    static Target firstCandidate(Exchange ex) {
        TargetList list = ex.attr(CoreAttrs.TARGETS).orElse(null);
        return list == null || list.targets().isEmpty() ? null : list.targets().get(0);
    }

    /**
     * {@code value}, or {@code fallback} when it is null: what {@code Optional.map(...).orElse(fallback)}
     * gave where a value is read from a present object without the Optional.
     */
    static String or(String value, String fallback) {
        return value != null ? value : fallback;
    }

    static String provider(Target t) {
        return t.model().provider().orElse(t.key().provider());
    }

    /**
     * The provider label: a passthrough route's provider key's vendor, else the vendor of the
     * target that answered ({@code answered}, the request's {@link CoreAttrs#TARGET} or null), else
     * of the first candidate when no upstream was called (e.g. a cache hit).
     */
    static String provider(Exchange ex, PassthroughRoute passthrough, Target answered) {
        if (passthrough != null) {
            return passthrough.providerKeyId()
                    .flatMap(id -> ex.snapshot().get(io.aisix.support.resource.CoreKinds.PROVIDER_KEYS, id))
                    .map(k -> k.provider()).filter(p -> !p.isEmpty()).orElse(UNKNOWN);
        }
        Target t = answered != null ? answered : firstCandidate(ex);
        return t != null ? provider(t) : UNKNOWN;
    }
}
