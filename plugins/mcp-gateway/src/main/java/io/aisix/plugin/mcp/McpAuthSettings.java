package io.aisix.plugin.mcp;

import io.aisix.support.IpRange;
import java.util.List;
import java.util.Optional;

/**
 * The {@code mcp_auth_settings} row (AISIX's singleton): anonymous access to {@code /mcp} entries.
 *
 * @param anonymous empty when every MCP request needs a credential
 */
public record McpAuthSettings(String id, Optional<Anonymous> anonymous) {

    /**
     * A request with no credential from {@code sourceCidrs} runs as the key {@code apiKeyId}, its
     * tools capped to {@code servers} on both entries; the aggregated {@code /mcp} serves it only
     * with {@code aggregateEntry}.
     */
    public record Anonymous(String apiKeyId, List<IpRange> sourceCidrs, List<String> servers, boolean aggregateEntry,
                            boolean enabled) {
    }
}
