package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A caller API key ({@code api_keys}); only the SHA-256 of the key is ever stored.
 *
 * @param id            the resource id (the store key): the caller's identity in limits, usage and logs
 * @param displayName   {@code display_name}, for people
 * @param keyHash       lowercase hex SHA-256 of the plaintext key
 * @param allowedModels alias globs; {@code *} allows all
 * @param rateLimit     {@code rate_limit}: limits on this key's requests, counted per key
 * @param expiresAt     {@code expires_at}: from then on the key is refused ({@code api_key_expired})
 * @param disabled      true refuses the key ({@code api_key_disabled})
 * @param teamId        {@code team_id}: the team whose policies (rate limits, budgets, MCP) apply too
 * @param userId        {@code user_id}: the person the key is for, kept for the Admin API
 * @param metadata      {@code metadata}: free-form JSON object kept as written; a JSON null when absent
 * @param allowedRoutes passthrough route name globs (AISIX's {@code allowed_routes}); empty allows none
 * @param jwtProvider   AISIX's {@code jwt_provider}: the {@code oidc_providers} name allowed to assert
 *                      {@code jwtSubject}; empty unless {@code jwtSubject} is set
 * @param jwtSubject    AISIX's {@code jwt_subject}: the value of that provider's identity claim that
 *                      selects this key for a JWT caller; empty when JWTs never select this key
 * @param mcpAccess     AISIX's {@code mcp_access}: the key's own layer of its MCP tool grant, on top of
 *                      the {@code mcp_policies} that apply (a tool must pass every layer); empty: the
 *                      policies alone
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
     *
     * @param allow the patterns that grant
     * @param deny  the patterns that take back what {@code allow} granted
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
