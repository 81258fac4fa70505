package io.aisix.plugin.authoidc;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One {@code oidc_providers} row: a trusted JWT issuer.
 *
 * @param audiences       accepted {@code aud} values; a token must carry one of them
 * @param jwksUri         the JWKS endpoint; empty: resolved from the issuer's discovery document
 * @param identityClaim   dotted claim path whose value selects the key bound by {@code jwt_subject}
 * @param leeway          clock skew allowed on {@code exp} and {@code nbf}
 * @param boundClaims     dotted claim path to accepted values (any-of), all of which must hold
 * @param algorithms      accepted JWS algorithms (asymmetric only; never {@code none} or HMAC)
 * @param refresh         period of the background JWKS refresh
 * @param refetchMin      the least time between two fetches triggered by an unknown {@code kid}
 * @param fetchTimeout    the deadline of one JWKS or discovery fetch, and the longest a request waits for one
 */
record OidcProvider(String id, String name, String issuer, List<String> audiences, Optional<String> jwksUri,
                    String identityClaim, Duration leeway, List<String> requiredScopes,
                    Map<String, List<String>> boundClaims, boolean enabled, Set<String> algorithms,
                    Duration refresh, Duration refetchMin, Duration fetchTimeout) {

    /** Where the keys come from: providers with the same source share one cache entry. */
    String source() {
        return jwksUri.map(u -> "jwks_uri " + u).orElse("discovery " + issuer);
    }
}
