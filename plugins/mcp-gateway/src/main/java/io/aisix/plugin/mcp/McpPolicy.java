package io.aisix.plugin.mcp;

import io.aisix.spi.resource.CallerKey;
import java.util.Optional;

/**
 * One {@code mcp_policies} row (AISIX): a layer of the MCP tool ACL for every key of the
 * environment ({@code scope: env}) or of one team ({@code scope: team}, {@code scope_ref} the
 * key's {@code team_id}).
 *
 * @param access  its {@code allow} and {@code deny} patterns, matched as a key's {@code mcp_access}
 * @param enabled a disabled policy contributes neither side
 */
public record McpPolicy(String id, String scope, Optional<String> scopeRef, CallerKey.McpAccess access, boolean enabled) {
}
