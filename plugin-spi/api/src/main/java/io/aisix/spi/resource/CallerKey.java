package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A caller API key ({@code api_keys}); only the SHA-256 of the key is ever stored.
 *
 * @param keyHash       lowercase hex SHA-256 of the plaintext key
 * @param allowedModels alias globs; {@code *} allows all
 * @param allowedRoutes passthrough route name globs (AISIX's {@code allowed_routes}); empty allows none
 * @param jwtProvider   AISIX's {@code jwt_provider}: the {@code oidc_providers} name allowed to assert
 *                      {@code jwtSubject}; empty unless {@code jwtSubject} is set
 * @param jwtSubject    AISIX's {@code jwt_subject}: the value of that provider's identity claim that
 *                      selects this key for a JWT caller; empty when JWTs never select this key
 * @param mcpRateLimits AISIX's {@code mcp_rate_limits}: per {@code mcp_servers} name, limits on this
 *                      key's tool calls to that server (request dimensions only), each in its own
 *                      counter, on top of {@code rateLimit}
 */
public record CallerKey(String id, Optional<String> displayName, String keyHash, List<String> allowedModels,
                        Optional<RateLimit> rateLimit, Optional<Instant> expiresAt, boolean disabled,
                        Optional<String> teamId, Optional<String> userId, JsonNode metadata, List<String> allowedRoutes,
                        Optional<String> jwtProvider, Optional<String> jwtSubject, Optional<McpAccess> mcpAccess,
                        Map<String, RateLimit> mcpRateLimits) {

    /** Copies {@code mcpRateLimits} (not {@code null}), so a key is immutable. */
    public CallerKey {
        mcpRateLimits = Map.copyOf(mcpRateLimits);
    }

    /** A key without per-server MCP limits. */
    public CallerKey(String id, Optional<String> displayName, String keyHash, List<String> allowedModels,
                     Optional<RateLimit> rateLimit, Optional<Instant> expiresAt, boolean disabled,
                     Optional<String> teamId, Optional<String> userId, JsonNode metadata, List<String> allowedRoutes,
                     Optional<String> jwtProvider, Optional<String> jwtSubject, Optional<McpAccess> mcpAccess) {
        this(id, displayName, keyHash, allowedModels, rateLimit, expiresAt, disabled, teamId, userId, metadata,
                allowedRoutes, jwtProvider, jwtSubject, mcpAccess, Map.of());
    }

    /**
     * AISIX's {@code mcp_access}: namespaced {@code <server>__<tool>} patterns, each a single-{@code *}
     * glob ({@code *} every tool, {@code <server>__*} every tool of one server, no {@code *} one
     * tool exactly). A tool is granted when some {@code allow} pattern matches it and no
     * {@code deny} pattern does: deny always wins; an empty {@code allow} grants nothing.
     */
    public record McpAccess(List<String> allow, List<String> deny) {
        /** Copies both lists (neither {@code null}). */
        public McpAccess {
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
        }

        /** True when the namespaced tool {@code <server>__<tool>} is granted. */
        public boolean allows(String namespacedTool) {
            for (String d : deny) {
                if (glob(d, namespacedTool)) {
                    return false;
                }
            }
            for (String a : allow) {
                if (glob(a, namespacedTool)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * True when some tool of {@code server} may be granted: an {@code allow} pattern can match
         * a name that starts with {@code <server>__} (deny patterns are applied per tool).
         */
        public boolean mayUseServer(String server) {
            String prefix = server + "__";
            for (String a : allow) {
                int star = a.indexOf('*');
                if (star < 0 ? a.startsWith(prefix) : prefix.startsWith(a.substring(0, star))
                        || a.substring(0, star).startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        /** Single-{@code *} glob: no {@code *} matches exactly; one {@code *} matches any run. */
        static boolean glob(String pattern, String s) {
            int star = pattern.indexOf('*');
            if (star < 0) {
                return pattern.equals(s);
            }
            String pre = pattern.substring(0, star);
            String post = pattern.substring(star + 1);
            return s.length() >= pre.length() + post.length() && s.startsWith(pre) && s.endsWith(post);
        }
    }

    /** A key without MCP access. */
    public CallerKey(String id, Optional<String> displayName, String keyHash, List<String> allowedModels,
                     Optional<RateLimit> rateLimit, Optional<Instant> expiresAt, boolean disabled,
                     Optional<String> teamId, Optional<String> userId, JsonNode metadata, List<String> allowedRoutes,
                     Optional<String> jwtProvider, Optional<String> jwtSubject) {
        this(id, displayName, keyHash, allowedModels, rateLimit, expiresAt, disabled, teamId, userId, metadata,
                allowedRoutes, jwtProvider, jwtSubject, Optional.empty());
    }

    /** A key that no JWT selects by subject. */
    public CallerKey(String id, Optional<String> displayName, String keyHash, List<String> allowedModels,
                     Optional<RateLimit> rateLimit, Optional<Instant> expiresAt, boolean disabled,
                     Optional<String> teamId, Optional<String> userId, JsonNode metadata, List<String> allowedRoutes) {
        this(id, displayName, keyHash, allowedModels, rateLimit, expiresAt, disabled, teamId, userId, metadata,
                allowedRoutes, Optional.empty(), Optional.empty());
    }

    /** A key that may use no passthrough route and that no JWT selects by subject. */
    public CallerKey(String id, Optional<String> displayName, String keyHash, List<String> allowedModels,
                     Optional<RateLimit> rateLimit, Optional<Instant> expiresAt, boolean disabled,
                     Optional<String> teamId, Optional<String> userId, JsonNode metadata) {
        this(id, displayName, keyHash, allowedModels, rateLimit, expiresAt, disabled, teamId, userId, metadata, List.of());
    }
}
