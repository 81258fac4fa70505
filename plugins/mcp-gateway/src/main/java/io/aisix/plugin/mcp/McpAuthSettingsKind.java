package io.aisix.plugin.mcp;

import io.aisix.spi.resource.Reference;
import io.aisix.support.IpRange;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code mcp_auth_settings} resource kind (AISIX's; one row at most): {@code anonymous}
 * {{@code api_key_id}*, {@code source_cidrs}* (CIDRs or addresses, at least one), {@code servers}*
 * (server names, at least one), {@code aggregate_entry} [false], {@code enabled} [true]} and
 * {@code resource_url}. {@code resource_url} (the OAuth protected-resource metadata of
 * OAuth-for-MCP) is kept, not served, and reported as an ignored field.
 */
public final class McpAuthSettingsKind extends ReaderKind<McpAuthSettings> {
    static final String NAME = "mcp_auth_settings";
    /** resource_url is read (and validated) but not served: left out, so health reports it ignored. */
    private static final Set<String> FIELDS = Set.of("anonymous");

    /** For the ServiceLoader. */
    public McpAuthSettingsKind() {
        super(NAME, FIELDS, null);
    }

    @Override
    protected McpAuthSettings read(String id, FieldReader r) {
        r.optString("resource_url");
        Optional<McpAuthSettings.Anonymous> anonymous = r.object("anonymous").map(a -> {
            a.required("api_key_id", "source_cidrs", "servers");
            String key = a.optString("api_key_id").orElse("");
            List<IpRange> cidrs = new ArrayList<>();
            List<String> raw = a.strings("source_cidrs", List.of());
            for (int i = 0; i < raw.size(); i++) {
                Optional<IpRange> c = IpRange.parse(raw.get(i));
                if (c.isEmpty()) {
                    a.error("source_cidrs", "entry " + i + " ('" + raw.get(i) + "') is not a CIDR or an IP address");
                } else {
                    cidrs.add(c.get());
                }
            }
            List<String> servers = a.strings("servers", List.of());
            if (!a.describing() && a.has("source_cidrs") && raw.isEmpty()) {
                a.error("source_cidrs", "must not be empty: with no credential to check, the network is the only gate");
            }
            if (!a.describing() && a.has("servers") && servers.isEmpty()) {
                a.error("servers", "must not be empty: an empty ceiling admits no tool");
            }
            boolean aggregate = a.bool("aggregate_entry", false);
            boolean enabled = a.bool("enabled", true);
            return new McpAuthSettings.Anonymous(key, List.copyOf(cidrs), List.copyOf(servers), aggregate, enabled);
        });
        return new McpAuthSettings(id, anonymous);
    }

    /** One row at most: every row has the same unique name. */
    @Override
    public Optional<String> uniqueName(McpAuthSettings value) {
        return Optional.of(NAME);
    }

    @Override
    public List<Reference> references(McpAuthSettings value) {
        return value.anonymous().map(a -> List.of(new Reference("api_keys", a.apiKeyId(), "/anonymous/api_key_id", false)))
                .orElse(List.of());
    }
}
