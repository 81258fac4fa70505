package io.aisix.plugin.authoidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.PassthroughRoute;
import io.aisix.support.resource.CoreKinds;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates a caller whose {@code Authorization: Bearer} credential is a JWT (three base64url
 * segments, the first a JSON header): the token must be signed (never {@code alg: none}) with an
 * allowed asymmetric algorithm by a key of its issuer's JWKS, and its {@code iss}, {@code aud},
 * {@code exp}, {@code nbf}, scopes and bound claims must hold. The identity claim then selects the
 * caller key bound by {@code jwt_subject}, or else the first matching {@code claim_mappings} row
 * does; the request runs as that key ({@link CoreAttrs#CALLER}), with its allowed models, rate
 * limits and access. Any other credential passes on untouched to {@code auth-api-key}.
 *
 * <p>Every refusal is a 401 {@code invalid_api_key} (503 {@code service_unavailable} while an
 * issuer's keys were never fetched); messages name the reason and never the token, its claims'
 * values or the subject.
 */
final class OidcAuthFilter implements Filter {
    /** Bounds the verified-token memo (tokens are a few hundred bytes to a few KiB). */
    static final int MAX_VERIFIED = 4096;

    /**
     * A token whose signature and claims checked out against {@code keys}; reused while that very
     * key set is the cached one (a refetch, scheduled or on rotation, drops the memo's use), and
     * only for this filter's snapshot, so a configuration change never reuses a verdict. Claims
     * ({@code exp}, audience, ...) and the identity are checked again on every request.
     */
    record Verified(OidcProvider provider, JWTClaimsSet claims, JWKSet keys) {
    }

    private final OidcIndex index;
    private final JwksCache cache;
    private final Clock clock;
    private final java.util.concurrent.ConcurrentHashMap<String, Verified> verified =
            new java.util.concurrent.ConcurrentHashMap<>();

    OidcAuthFilter(OidcIndex index, JwksCache cache, Clock clock) {
        this.index = index;
        this.cache = cache;
        this.clock = clock;
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        Optional<String> token = bearer(exchange);
        if (token.isPresent() && looksLikeJwt(token.get())) {
            Caller caller = authenticate(token.get());
            exchange.attr(CoreAttrs.CALLER, caller.key());
            caller.rateLimitSubject().ifPresent(s -> exchange.attr(CoreAttrs.RATE_LIMIT_SUBJECT, s));
        }
        return chain.proceed(exchange);
    }

    /**
     * The gateway credential, where {@code auth-api-key} reads it: {@code Authorization: Bearer},
     * except on a {@code header_key} passthrough route, whose {@code Authorization} is the
     * caller's own upstream credential (forwarded untouched, never taken for a gateway JWT) and
     * whose gateway credential is in the route's {@code auth_header_name} ({@code Bearer }
     * optional there).
     */
    private static Optional<String> bearer(Exchange exchange) {
        if (exchange.endpoint() == Endpoint.PASSTHROUGH) {
            Optional<PassthroughRoute> route = PassthroughRoute.match(
                    exchange.snapshot().all(CoreKinds.PASSTHROUGH_ROUTES), exchange.path());
            if (route.isPresent() && route.get().headerKey()) {
                return exchange.requestHeaders().first(route.get().authHeaderName().orElse("")).map(String::trim)
                        .map(v -> v.startsWith("Bearer ") ? v.substring(7).trim() : v);
            }
        }
        return exchange.requestHeaders().first("authorization").filter(v -> v.startsWith("Bearer "))
                .map(v -> v.substring(7).trim());
    }

    /**
     * A compact JWS or JWE: two or four dots, base64url segments, and a header that starts as
     * JSON ({@code eyJ} is {@code {"} encoded). Caller API keys never look like this.
     */
    static boolean looksLikeJwt(String token) {
        if (!token.startsWith("eyJ")) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '.') {
                dots++;
            } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return dots == 2 || dots == 4;
    }

    /**
     * A verified token's caller: the key it runs as and, for a mapping with
     * {@code rate_limit_scope: subject}, the {@code <provider>/<identity>} its limits count for.
     */
    record Caller(CallerKey key, Optional<String> rateLimitSubject) {
    }

    Caller authenticate(String token) {
        Verified seen = verified.get(token);
        if (seen != null && cache.entry(seen.provider()).keys == seen.keys()) {
            // signature already checked against this very key set: only what can change is checked again
            checkClaims(seen.provider(), seen.claims());
            return resolve(seen.provider(), seen.claims());
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw refused("malformed token");
        }
        if (jwt instanceof PlainJWT) {
            throw refused("unsigned tokens (alg none) are not accepted");
        }
        if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
            throw refused("encrypted tokens are not accepted");
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw refused("malformed claims");
        }
        String issuer = claims.getIssuer();
        List<OidcProvider> providers = issuer == null ? List.of() : index.byIssuer().getOrDefault(issuer, List.of());
        if (providers.isEmpty()) {
            throw refused("issuer is not trusted");
        }
        GatewayException last = null;
        for (OidcProvider p : providers) {
            try {
                JWKSet keys = verify(p, signed, claims);
                remember(token, new Verified(p, claims, keys));
                return resolve(p, claims);
            } catch (GatewayException e) {
                last = e;
            }
        }
        throw last;
    }

    /** Checks the token against one provider; answers the key set whose key verified it. */
    private JWKSet verify(OidcProvider p, SignedJWT jwt, JWTClaimsSet claims) {
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        if (!p.algorithms().contains(alg.getName())) {
            throw refused("algorithm " + alg.getName() + " is not allowed");
        }
        JwksCache.Entry entry = cache.entry(p);
        JWKSet keys = entry.keys().orElseThrow(() -> new GatewayException(ErrorCode.SERVICE_UNAVAILABLE,
                "the signing keys of the token's issuer are unavailable"));
        String kid = header.getKeyID();
        List<JWK> candidates = candidates(keys, kid, alg);
        if (candidates.isEmpty() && kid != null) {
            // a kid the cached set lacks: the issuer may have rotated its keys
            keys = entry.refetchForUnknownKid().orElse(keys);
            candidates = candidates(keys, kid, alg);
        }
        if (candidates.isEmpty()) {
            throw refused("no signing key of the issuer matches the token");
        }
        boolean ok = false;
        for (JWK k : candidates) {
            try {
                JWSVerifier v = entry.verifier(k);
                if (jwt.verify(v)) {
                    ok = true;
                    break;
                }
            } catch (JOSEException | IllegalStateException e) {
                // a key unfit for this algorithm: try the next
            }
        }
        if (!ok) {
            throw refused("signature does not verify");
        }
        checkClaims(p, claims);
        return keys;
    }

    private void remember(String token, Verified v) {
        if (verified.size() >= MAX_VERIFIED) {
            // a flood of distinct valid tokens: start over rather than track recency on the hot path
            verified.clear();
        }
        verified.put(token, v);
    }

    /** Keys that may verify {@code alg}: of its type (and curve), for signing, with {@code kid} when given. */
    private static List<JWK> candidates(JWKSet keys, String kid, JWSAlgorithm alg) {
        List<JWK> out = new ArrayList<>();
        for (JWK k : keys.getKeys()) {
            if (kid != null && !kid.equals(k.getKeyID())) {
                continue;
            }
            if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
                continue;
            }
            if (k.getAlgorithm() != null && !k.getAlgorithm().getName().equals(alg.getName())) {
                continue;
            }
            boolean fits = JWSAlgorithm.Family.RSA.contains(alg) ? k instanceof RSAKey
                    : JWSAlgorithm.Family.EC.contains(alg) && k instanceof ECKey ec
                            && Curve.forJWSAlgorithm(alg).contains(ec.getCurve());
            if (fits) {
                out.add(k);
            }
        }
        return out;
    }

    private void checkClaims(OidcProvider p, JWTClaimsSet claims) {
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw refused("the token has no exp");
        }
        if (now.isAfter(exp.toInstant().plus(p.leeway()))) {
            throw refused("the token has expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant().minus(p.leeway()))) {
            throw refused("the token is not valid yet (nbf)");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || aud.stream().noneMatch(p.audiences()::contains)) {
            throw refused("the token's audience is not accepted");
        }
        if (!p.requiredScopes().isEmpty()) {
            List<String> scopes = Claims.scopes(claims.getClaims());
            for (String s : p.requiredScopes()) {
                if (!scopes.contains(s)) {
                    throw refused("the token lacks a required scope");
                }
            }
        }
        for (Map.Entry<String, List<String>> b : p.boundClaims().entrySet()) {
            if (!Claims.equalsOrContains(Claims.at(claims.getClaims(), b.getKey()), b.getValue())) {
                throw refused("bound claim " + b.getKey() + " does not hold");
            }
        }
    }

    /** The caller key: bound by {@code jwt_subject} to the identity claim, else the first matching mapping. */
    private Caller resolve(OidcProvider p, JWTClaimsSet claims) {
        Map<String, Object> all = claims.getClaims();
        CallerKey key = null;
        boolean perSubject = false;
        Object identity = Claims.at(all, p.identityClaim());
        if (identity instanceof String || identity instanceof Number) {
            List<CallerKey> bound = index.bySubject().getOrDefault(p.name(), Map.of()).get(identity.toString());
            if (bound != null) {
                if (bound.size() > 1) {
                    throw refused("the identity is bound to more than one API key");
                }
                key = bound.getFirst();
            }
        }
        if (key == null) {
            for (ClaimMapping m : index.mappings().getOrDefault(p.name(), List.of())) {
                if (Claims.matches(all, m.match())) {
                    key = index.keys().get(m.apiKeyId());
                    perSubject = m.perSubject();
                    if (key == null) {
                        throw refused("claim mapping " + m.name() + " names a missing API key");
                    }
                    break;
                }
            }
        }
        if (key == null) {
            throw refused("no API key is bound to this identity");
        }
        if (key.disabled()) {
            throw new GatewayException(ErrorCode.API_KEY_DISABLED, "the API key of this identity is disabled");
        }
        if (key.expiresAt().isPresent() && !clock.instant().isBefore(key.expiresAt().get())) {
            throw new GatewayException(ErrorCode.API_KEY_EXPIRED, "the API key of this identity has expired");
        }
        if (perSubject && !(identity instanceof String || identity instanceof Number)) {
            throw refused("the identity claim " + p.identityClaim() + " is missing, and this mapping meters per identity");
        }
        return new Caller(key, perSubject ? Optional.of(p.name() + "/" + identity) : Optional.empty());
    }

    private static GatewayException refused(String why) {
        return new GatewayException(ErrorCode.INVALID_API_KEY, "invalid bearer token: " + why);
    }
}
