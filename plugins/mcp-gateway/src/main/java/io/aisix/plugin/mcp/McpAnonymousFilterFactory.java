package io.aisix.plugin.mcp;

import io.aisix.spi.AttrKey;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.Stage;
import io.aisix.spi.resource.CallerKey;
import io.aisix.support.IpRange;
import io.aisix.support.resource.CoreKinds;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * AISIX's anonymous MCP access ({@code mcp_auth_settings.anonymous}), at AUTH order 80, before
 * the credential checks (auth-oidc 90, auth-api-key 100): an MCP request that carries no
 * credential at all ({@code Authorization} or {@code x-api-key}), comes from one of
 * {@code source_cidrs} ({@link CoreAttrs#CLIENT_IP}, the proxy's real-ip chain, never a header
 * the caller picks) and targets a listed server's {@code /mcp/<server>} (or {@code /mcp} with
 * {@code aggregate_entry}) runs as the key {@code api_key_id}: its grant, rate limits, guardrails
 * and usage apply, and its tools are capped to {@code servers} ({@link #CEILING}). A request with
 * a credential, a bad one included, is never downgraded to anonymous; every other request passes
 * on untouched (and gets the usual 401).
 *
 * <p>The key must be enabled, unexpired and carry its own {@code mcp_access} (AISIX refuses a key
 * that would inherit the environment's policy alone, which could hand every tool to anonymous
 * callers); otherwise anonymous access is closed.
 */
public final class McpAnonymousFilterFactory implements FilterFactory {
    /** The anonymous principal's server ceiling, read by the MCP gateway filter. */
    static final AttrKey<Ceiling> CEILING = AttrKey.of("mcp_anonymous_ceiling", Ceiling.class);
    private static final McpAuthSettingsKind SETTINGS = new McpAuthSettingsKind();
    private static final Logger LOG = Logger.getLogger(McpAnonymousFilterFactory.class.getName());

    /** The servers an anonymous caller may reach. */
    record Ceiling(List<String> servers) {
        /** As an ACL layer: every tool of each listed server. */
        CallerKey.McpAccess layer() {
            return new CallerKey.McpAccess(servers.stream().map(s -> s + McpProtocol.SEPARATOR + "*").toList(), List.of());
        }
    }

    @Override
    public String id() {
        return "mcp-gateway:anonymous";
    }

    @Override
    public Stage stage() {
        return Stage.AUTH;
    }

    @Override
    public int order() {
        return 80;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Optional<McpAuthSettings.Anonymous> anonymous = context.snapshot().all(SETTINGS).values().stream()
                .flatMap(s -> s.anonymous().stream()).filter(McpAuthSettings.Anonymous::enabled).findFirst();
        if (anonymous.isEmpty()) {
            return Optional.empty();
        }
        McpAuthSettings.Anonymous a = anonymous.get();
        Optional<CallerKey> key = Optional.ofNullable(context.snapshot().all(CoreKinds.API_KEYS).get(a.apiKeyId()))
                .filter(k -> k.mcpAccess().isPresent());
        if (key.isEmpty()) {
            // the Admin API and the file loader check the reference; this is the key's own grant
            LOG.warning("mcp_auth_settings.anonymous: API key " + a.apiKeyId() + " has no mcp_access of its own; "
                    + "anonymous MCP access stays closed");
            return Optional.empty();
        }
        return Optional.of(new Anonymous(a, key.get(), context.plugin().clock()));
    }

    private record Anonymous(McpAuthSettings.Anonymous settings, CallerKey key, Clock clock) implements Filter {
        @Override
        public Response handle(Exchange ex, Chain chain) {
            if (ex.endpoint() == Endpoint.MCP && ex.attr(CoreAttrs.CALLER).isEmpty() && admits(ex)) {
                ex.attr(CoreAttrs.CALLER, key);
                ex.attr(CEILING, new Ceiling(settings.servers()));
            }
            return chain.proceed(ex);
        }

        private boolean admits(Exchange ex) {
            if (ex.requestHeaders().first("authorization").isPresent() || ex.requestHeaders().first("x-api-key").isPresent()) {
                return false;
            }
            String path = ex.path();
            boolean entry = path.length() > 5 ? settings.servers().contains(path.substring(5)) : settings.aggregateEntry();
            if (!entry || key.disabled() || key.expiresAt().isPresent() && !clock.instant().isBefore(key.expiresAt().get())) {
                return false;
            }
            Optional<InetAddress> ip = ex.attr(CoreAttrs.CLIENT_IP).flatMap(IpRange::literal);
            return ip.isPresent() && settings.sourceCidrs().stream().anyMatch(c -> c.contains(ip.get()));
        }
    }
}
