package io.aisix.plugin.authoidc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The two kinds' validation: every bad input is refused with its JSON pointer, AISIX rows load. */
class OidcKindsTest {
    static final OidcProviderKind PROVIDERS = new OidcProviderKind();
    static final ClaimMappingKind MAPPINGS = new ClaimMappingKind();

    static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Set<String> issues(ResourceKind<?> kind, String row) {
        ValidationException e = assertThrows(ValidationException.class, () -> kind.decode("x", json(row)));
        Set<String> out = new TreeSet<>();
        e.issues().forEach(i -> out.add(i.path() + ": " + i.message()));
        return out;
    }

    @Test
    void anAisixProviderRowLoadsWithDefaults() {
        OidcProvider p = PROVIDERS.decode("p", json("""
                {"name":"corp-keycloak","issuer":"https://sso.example.com/realms/corp","audiences":["aisix"],
                 "bound_claims":{"realm_access.roles":["llm-users","admins"],"tenant":"acme"},
                 "required_scopes":["llm"],"leeway_secs":30}"""));
        assertEquals("sub", p.identityClaim());
        assertEquals(Duration.ofSeconds(30), p.leeway());
        assertEquals(List.of("llm-users", "admins"), p.boundClaims().get("realm_access.roles"));
        assertEquals(List.of("acme"), p.boundClaims().get("tenant"));
        assertEquals(Set.copyOf(OidcProviderKind.ALGORITHMS), p.algorithms());
        assertTrue(p.enabled());
        assertEquals("discovery https://sso.example.com/realms/corp", p.source());
        assertEquals(Duration.ofSeconds(300), p.refresh());
        assertEquals(Duration.ofSeconds(30), p.refetchMin());
        assertEquals(Duration.ofMillis(3000), p.fetchTimeout());
        assertEquals(List.of("x"), PROVIDERS.ignoredFields(json("{\"name\":\"a\",\"x\":1}")));
    }

    @Test
    void badProviderRowsAreRefusedWithTheirPaths() {
        assertEquals(Set.of("/name: is required", "/issuer: is required", "/audiences: is required"),
                issues(PROVIDERS, "{}"));
        assertEquals(Set.of("/audiences: must not be empty"),
                issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[]}"));
        assertEquals(Set.of("/leeway_secs: must be at most 300"),
                issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],\"leeway_secs\":301}"));
        assertTrue(issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],"
                + "\"allowed_algorithms\":[\"HS256\",\"none\"]}").stream()
                .allMatch(s -> s.startsWith("/allowed_algorithms/")), "HMAC and none are never allowed");
        assertEquals(Set.of("/allowed_algorithms: must not be empty"), issues(PROVIDERS,
                "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],\"allowed_algorithms\":[]}"));
        assertEquals(Set.of("/jwks_uri: must be an http:// or https:// URL"), issues(PROVIDERS,
                "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],\"jwks_uri\":\"file:///etc/keys\"}"));
        assertTrue(issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"corp\",\"audiences\":[\"x\"]}").iterator().next()
                .startsWith("/issuer: must be an http:// or https:// URL when jwks_uri is not set"));
        // an opaque issuer is fine with an explicit jwks_uri
        PROVIDERS.decode("x", json("{\"name\":\"a\",\"issuer\":\"corp\",\"audiences\":[\"x\"],\"jwks_uri\":\"https://k\"}"));
        assertEquals(Set.of("/bound_claims/a~1b: must be a string or a non-empty array of strings",
                        "/bound_claims/c: must be a string or a non-empty array of strings"),
                issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],"
                        + "\"bound_claims\":{\"a/b\":1,\"c\":[]}}"));
        assertEquals(Set.of("/jwks_timeout_ms: must be at least 100",
                        "/jwks_refresh_secs: must be at least 10", "/jwks_refetch_min_secs: must be at least 0"),
                issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],"
                        + "\"jwks_timeout_ms\":5,\"jwks_refresh_secs\":1,\"jwks_refetch_min_secs\":-1}"));
        assertEquals(Set.of("/enabled: must be a boolean", "/identity_claim: must not be empty"),
                issues(PROVIDERS, "{\"name\":\"a\",\"issuer\":\"https://i\",\"audiences\":[\"x\"],"
                        + "\"enabled\":\"yes\",\"identity_claim\":\"\"}"));
        assertEquals(Set.of(": must be a JSON object"), issues(PROVIDERS, "[]"));
    }

    @Test
    void anAisixMappingRowLoadsAndNamesWhatItReferences() {
        ClaimMapping m = MAPPINGS.decode("m", json("""
                {"name":"ml","jwt_provider":"corp","priority":5,
                 "match":[{"claim":"groups","op":"contains","values":["ml","ai"]},{"claim":"dept","op":"exact","values":["r&d"]}],
                 "resolve":{"api_key_id":"k1"}}"""));
        assertEquals(2, m.match().size());
        assertEquals(5, m.priority());
        assertTrue(m.enabled());
        assertEquals(List.of(new Reference("api_keys", "k1", "/resolve/api_key_id", false),
                new Reference("oidc_providers", "corp", "/jwt_provider", true)), MAPPINGS.references(m));
        assertEquals("ml", MAPPINGS.uniqueName(m).orElseThrow());
    }

    @Test
    void badMappingRowsAreRefusedWithTheirPaths() {
        assertEquals(Set.of("/name: is required", "/jwt_provider: is required", "/match: is required",
                "/resolve: is required"), issues(MAPPINGS, "{}"));
        assertEquals(Set.of("/match: must not be empty", "/resolve/api_key_id: is required"),
                issues(MAPPINGS, "{\"name\":\"a\",\"jwt_provider\":\"p\",\"match\":[],\"resolve\":{}}"));
        Set<String> bad = issues(MAPPINGS, "{\"name\":\"a\",\"jwt_provider\":\"p\",\"priority\":-1,"
                + "\"match\":[{\"claim\":\"g\",\"op\":\"regex\",\"values\":[]},{\"op\":\"exact\",\"values\":[\"v\"]}],"
                + "\"resolve\":{\"api_key_id\":\"k\"}}");
        assertTrue(bad.contains("/priority: must be at least 0"), bad.toString());
        assertTrue(bad.contains("/match/0/values: must not be empty"), bad.toString());
        assertTrue(bad.stream().anyMatch(s -> s.startsWith("/match/0/op: ")), bad.toString());
        assertTrue(bad.contains("/match/1/claim: is required"), bad.toString());
    }

    @Test
    void apiKeysCarryTheirJwtBinding() {
        String hash = "a".repeat(64);
        var k = CoreKinds.API_KEYS.decode("k", json("{\"key_hash\":\"" + hash
                + "\",\"jwt_provider\":\"corp\",\"jwt_subject\":\"alice\"}"));
        assertEquals("corp", k.jwtProvider().orElseThrow());
        assertEquals("alice", k.jwtSubject().orElseThrow());
        assertEquals(Set.of("/jwt_provider: is required when jwt_subject is set"),
                issues(CoreKinds.API_KEYS, "{\"key_hash\":\"" + hash + "\",\"jwt_subject\":\"alice\"}"));
        // a provider without a subject selects nothing (AISIX: ignored)
        var lone = CoreKinds.API_KEYS.decode("k", json("{\"key_hash\":\"" + hash + "\",\"jwt_provider\":\"corp\"}"));
        assertTrue(lone.jwtProvider().isEmpty());
    }

    @Test
    void bothKindsPublishASchema() {
        for (ResourceKind<?> k : List.of(PROVIDERS, MAPPINGS)) {
            JsonNode s = k.schema().orElseThrow();
            Set<String> props = new TreeSet<>();
            s.get("properties").fieldNames().forEachRemaining(props::add);
            assertEquals(new TreeSet<>(k.knownFields()), props, k.name());
        }
        assertTrue(PROVIDERS.schema().orElseThrow().get("required").toString().contains("audiences"));
    }
}
