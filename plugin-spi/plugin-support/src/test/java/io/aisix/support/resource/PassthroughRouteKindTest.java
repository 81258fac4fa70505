package io.aisix.support.resource;

import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.PassthroughRoute;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@code passthrough_routes} rows as AISIX writes them, and what this gateway refuses. */
class PassthroughRouteKindTest {
    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static PassthroughRoute decode(String row) {
        return CoreKinds.PASSTHROUGH_ROUTES.decode("r", json(row));
    }

    private static List<String> problems(String row) {
        ValidationException e = assertThrows(ValidationException.class, () -> decode(row));
        return e.issues().stream().map(ValidationIssue::path).toList();
    }

    @Test
    void aMinimalRowAndItsDefaults() {
        PassthroughRoute r = decode("{\"name\":\"oa\",\"path_prefix\":\"/passthrough/openai/\",\"provider_key_id\":\"k\"}");
        assertEquals("/passthrough/openai", r.pathPrefix(), "a trailing slash is dropped");
        assertTrue(r.enabled());
        assertTrue(r.injects());
        assertFalse(r.headerKey());
        assertEquals(Optional.empty(), r.targetUrl());
        assertEquals(List.of(new Reference("provider_keys", "k", "/provider_key_id", false)),
                CoreKinds.PASSTHROUGH_ROUTES.references(r));
        assertEquals(Optional.of("oa"), CoreKinds.PASSTHROUGH_ROUTES.uniqueName(r));
    }

    @Test
    void everyImplementedField() {
        PassthroughRoute r = decode("{\"display_name\":\"byo\",\"path_prefix\":\"/passthrough/byo\","
                + "\"target_url\":\"https://api.example.com/\",\"auth_mode\":\"header_key\","
                + "\"auth_header_name\":\"x-aisix-api-key\",\"credential_mode\":\"forward_client\",\"timeout_ms\":5000,"
                + "\"identity_header\":\"x-user\",\"hosts\":[\"api.example.com\"]}");
        assertEquals("byo", r.name());
        assertEquals(Optional.of("https://api.example.com"), r.targetUrl());
        assertTrue(r.headerKey());
        assertFalse(r.injects());
        assertEquals(OptionalLong.of(5000), r.timeoutMs());
        assertEquals(Optional.of("x-user"), r.identityHeader());
        assertEquals(List.of("hosts"), CoreKinds.PASSTHROUGH_ROUTES.ignoredFields(json("{\"hosts\":[]}")));
    }

    @Test
    void badRowsNameTheirFields() {
        assertEquals(List.of("/path_prefix"), problems("{\"name\":\"a\",\"path_prefix\":\"/v1/x\",\"provider_key_id\":\"k\"}"));
        assertTrue(problems("{\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\"}").contains("/name"));
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\"}").contains("/provider_key_id"),
                "inject needs a provider key");
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"credential_mode\":\"forward_client\","
                + "\"provider_key_id\":\"k\"}").contains("/provider_key_id"), "forward_client forbids one");
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\","
                + "\"auth_mode\":\"header_key\"}").contains("/auth_header_name"));
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\","
                + "\"auth_mode\":\"header_key\",\"auth_header_name\":\"authorization\"}").contains("/auth_header_name"));
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\","
                + "\"auth_mode\":\"anonymous\"}").contains("/auth_mode"), "anonymous is not implemented");
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\","
                + "\"preserve_host\":true}").contains("/preserve_host"));
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\","
                + "\"target_url\":\"ftp://x\"}").contains("/target_url"));
        assertTrue(problems("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\","
                + "\"timeout_ms\":0}").contains("/timeout_ms"));
    }

    @Test
    void matchingIsByWholeSegmentsAndLongestPrefix() {
        PassthroughRoute a = decode("{\"name\":\"a\",\"path_prefix\":\"/passthrough/a\",\"provider_key_id\":\"k\"}");
        PassthroughRoute ab = decode("{\"name\":\"ab\",\"path_prefix\":\"/passthrough/a/b\",\"provider_key_id\":\"k\"}");
        Map<String, PassthroughRoute> routes = Map.of("1", a, "2", ab);
        assertEquals(Optional.of(a), PassthroughRoute.match(routes, "/passthrough/a"));
        assertEquals(Optional.of(a), PassthroughRoute.match(routes, "/passthrough/a/c"));
        assertEquals(Optional.of(ab), PassthroughRoute.match(routes, "/passthrough/a/b/c"));
        assertEquals(Optional.empty(), PassthroughRoute.match(routes, "/passthrough/ab"));
    }

    @Test
    void apiKeysReadAllowedRoutes() {
        CallerKey k = CoreKinds.API_KEYS.decode("k", json("{\"key_hash\":\"" + "a".repeat(64)
                + "\",\"allowed_routes\":[\"openai-*\"]}"));
        assertEquals(List.of("openai-*"), k.allowedRoutes());
        assertEquals(List.of(), CoreKinds.API_KEYS.decode("k", json("{\"key_hash\":\"" + "a".repeat(64) + "\"}"))
                .allowedRoutes(), "AISIX: no allowed_routes grants no route");
    }
}
