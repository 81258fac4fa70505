package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
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
 */
public record CallerKey(String id, Optional<String> displayName, String keyHash, List<String> allowedModels,
                        Optional<RateLimit> rateLimit, Optional<Instant> expiresAt, boolean disabled,
                        Optional<String> teamId, Optional<String> userId, JsonNode metadata, List<String> allowedRoutes,
                        Optional<String> jwtProvider, Optional<String> jwtSubject) {

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
