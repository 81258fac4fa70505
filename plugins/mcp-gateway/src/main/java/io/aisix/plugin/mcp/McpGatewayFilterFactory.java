package io.aisix.plugin.mcp;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.observe.GatewayMetrics;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the {@code /mcp} filter for a snapshot: RATE_LIMIT stage, order 500, so the caller is
 * authenticated (AUTH) and its {@code rate_limit} applied (RATE_LIMIT, order 100) before any
 * upstream is called. The filter answers every MCP request itself and passes the rest on.
 */
public final class McpGatewayFilterFactory implements FilterFactory {
    private static final McpServerKind SERVERS = new McpServerKind();
    private static final McpPolicyKind POLICIES = new McpPolicyKind();

    private volatile PluginContext plugin;
    /** Process-wide: access tokens outlive configuration changes. */
    private volatile OAuthTokens tokens;
    /** Process-wide: upstream sessions outlive snapshots whose entry for the server did not change. */
    private volatile UpstreamHandshakes handshakes;

    @Override
    public String id() {
        return "mcp-gateway";
    }

    @Override
    public Stage stage() {
        return Stage.RATE_LIMIT;
    }

    @Override
    public int order() {
        return 500;
    }

    @Override
    public void start(PluginContext context) {
        context.metrics().describe(McpGatewayFilter.TOOL_CALLS, "MCP tool calls through the gateway, by server, tool "
                + "and outcome");
        context.metrics().describe(McpGatewayFilter.LIST_FAILURES, "MCP upstream servers that failed to answer, by "
                + "server");
        plugin = context;
        tokens = new OAuthTokens(context.clock());
        handshakes = new UpstreamHandshakes(context.metrics());
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Map<String, McpServer> byName = new TreeMap<>();
        for (McpServer s : context.snapshot().all(SERVERS).values()) {
            if (s.enabled()) {
                byName.put(s.name(), s);
            }
        }
        PluginContext p = plugin != null ? plugin : context.plugin();
        GatewayMetrics metrics = p.metrics();
        OAuthTokens t = tokens != null ? tokens : new OAuthTokens(p.clock());
        UpstreamHandshakes h = handshakes != null ? handshakes : new UpstreamHandshakes(metrics);
        h.retain(byName.values());
        return Optional.of(new McpGatewayFilter(java.util.Collections.unmodifiableMap(byName),
                McpGrant.Policies.of(context.snapshot().all(POLICIES).values()), p.upstream(), metrics, t, h));
    }
}
