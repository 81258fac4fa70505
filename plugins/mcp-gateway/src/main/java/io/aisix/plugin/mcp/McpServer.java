package io.aisix.plugin.mcp;

import io.aisix.spi.resource.Secrets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One {@code mcp_servers} row: an upstream MCP server reached over Streamable HTTP.
 * {@link #toString()} masks the secret.
 *
 * @param name         unique; the namespace prefix of its tools ({@code <name>__<tool>}) and the
 *                     {@code <server>} of {@code /mcp/<server>}
 * @param url          the upstream's MCP endpoint
 * @param authType     {@code none}, {@code bearer}, {@code api_key} or {@code oauth2}
 * @param secret       the gateway-held credential (the client secret for {@code oauth2}); empty
 *                     for {@code none}
 * @param authHeader   the header an {@code api_key} secret is sent under ({@code x-api-key})
 * @param allowedTools upstream tool names (single-{@code *} globs) the gateway exposes; empty for all
 * @param timeout      bound of each upstream operation (handshake, list, call)
 * @param oauth        the client-credentials grant of an {@code oauth2} server; empty otherwise
 */
public record McpServer(String id, String name, String url, boolean enabled, String authType,
                        Optional<String> secret, String authHeader, List<String> allowedTools, Duration timeout,
                        Optional<OAuth> oauth) {

    /** An OAuth 2.0 client-credentials grant: {@code client_id}, {@code token_url}, {@code scopes}. */
    public record OAuth(String clientId, String tokenUrl, List<String> scopes) {
    }

    /** Never shows the secret (a server row ends up in log lines). */
    @Override
    public String toString() {
        return "McpServer[id=" + id + ", name=" + name + ", url=" + url + ", enabled=" + enabled + ", auth_type="
                + authType + ", secret=" + secret.map(Secrets::mask).orElse("") + ", allowed_tools=" + allowedTools
                + ", timeout=" + timeout + ", oauth=" + oauth + "]";
    }

    /** A server without OAuth. */
    public McpServer(String id, String name, String url, boolean enabled, String authType, Optional<String> secret,
                     String authHeader, List<String> allowedTools, Duration timeout) {
        this(id, name, url, enabled, authType, secret, authHeader, allowedTools, timeout, Optional.empty());
    }

    /** True when the upstream tool {@code tool} is exposed by this server entry. */
    public boolean exposes(String tool) {
        if (allowedTools.isEmpty()) {
            return true;
        }
        for (String p : allowedTools) {
            int star = p.indexOf('*');
            if (star < 0 ? p.equals(tool) : tool.length() >= p.length() - 1 && tool.startsWith(p.substring(0, star))
                    && tool.endsWith(p.substring(star + 1))) {
                return true;
            }
        }
        return false;
    }
}
