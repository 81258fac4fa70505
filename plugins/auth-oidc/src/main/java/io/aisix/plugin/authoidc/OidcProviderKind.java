package io.aisix.plugin.authoidc;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code oidc_providers} resource kind, with AISIX's fields: {@code name}*, {@code issuer}*,
 * {@code audiences}*, {@code jwks_uri}, {@code identity_claim} [sub], {@code leeway_secs} [0,
 * at most 300], {@code required_scopes}, {@code bound_claims}, {@code enabled} [true]. This
 * gateway adds {@code allowed_algorithms} (asymmetric JWS algorithms only, so neither {@code none}
 * nor an HMAC algorithm keyed with a public key can ever verify), {@code jwks_refresh_secs} [300],
 * {@code jwks_refetch_min_secs} [30] and {@code jwks_timeout_ms} [3000].
 */
public final class OidcProviderKind extends ReaderKind<OidcProvider> {
    static final String NAME = "oidc_providers";
    /** RSA PKCS#1 and PSS, ECDSA on P-256/384/521: what nimbus verifies without extra libraries. */
    static final List<String> ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
            "ES384", "ES512");
    private static final Set<String> FIELDS = Set.of("name", "issuer", "audiences", "jwks_uri", "identity_claim",
            "leeway_secs", "required_scopes", "bound_claims", "enabled", "allowed_algorithms", "jwks_refresh_secs",
            "jwks_refetch_min_secs", "jwks_timeout_ms");

    /** For the ServiceLoader. */
    public OidcProviderKind() {
        super(NAME, FIELDS, OidcProvider::name);
    }

    @Override
    protected OidcProvider read(String id, FieldReader r) {
        String name = r.string("name");
        String issuer = r.string("issuer");
        r.required("audiences");
        List<String> audiences = r.strings("audiences", List.of());
        if (r.has("audiences") && audiences.isEmpty() && r.node().get("audiences").isArray()
                && r.node().get("audiences").isEmpty()) {
            r.error("audiences", "must not be empty");
        }
        Optional<String> jwksUri = r.optString("jwks_uri", "^https?://", "must be an http:// or https:// URL");
        String identity = r.optString("identity_claim").orElse("sub");
        long leeway = r.integer("leeway_secs", 0, 300).orElse(0);
        List<String> scopes = r.strings("required_scopes", List.of());
        Map<String, List<String>> bound = boundClaims(r);
        boolean enabled = r.bool("enabled", true);
        List<String> algs = r.oneOfEach("allowed_algorithms", ALGORITHMS, true);
        long refresh = r.integer("jwks_refresh_secs", 10, 86_400).orElse(300);
        long refetch = r.integer("jwks_refetch_min_secs", 0, 3_600).orElse(30);
        long timeout = r.integer("jwks_timeout_ms", 100, 60_000).orElse(3_000);
        if (!r.describing() && !issuer.isEmpty() && jwksUri.isEmpty() && !issuer.matches("^https?://.*")) {
            r.error("issuer", "must be an http:// or https:// URL when jwks_uri is not set (discovery reads "
                    + "<issuer>/.well-known/openid-configuration)");
        }
        return new OidcProvider(id, name, issuer, audiences, jwksUri, identity, Duration.ofSeconds(leeway), scopes,
                bound, enabled, Set.copyOf(algs.isEmpty() ? ALGORITHMS : algs), Duration.ofSeconds(refresh),
                Duration.ofSeconds(refetch), Duration.ofMillis(timeout));
    }

    /** AISIX's {@code bound_claims}: claim path to a string or a non-empty list of strings. */
    private static Map<String, List<String>> boundClaims(FieldReader r) {
        Optional<JsonNode> obj = r.anyObject("bound_claims");
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (obj.isEmpty()) {
            return Map.of();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.get().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String where = "bound_claims/" + e.getKey().replace("~", "~0").replace("/", "~1");
            if (v.isTextual()) {
                out.put(e.getKey(), List.of(v.asText()));
            } else if (v.isArray() && !v.isEmpty()) {
                List<String> values = new ArrayList<>();
                for (JsonNode x : v) {
                    if (!x.isTextual()) {
                        r.error(where, "must be a string or a non-empty array of strings");
                        break;
                    }
                    values.add(x.asText());
                }
                out.put(e.getKey(), List.copyOf(values));
            } else {
                r.error(where, "must be a string or a non-empty array of strings");
            }
        }
        return Map.copyOf(out);
    }
}
