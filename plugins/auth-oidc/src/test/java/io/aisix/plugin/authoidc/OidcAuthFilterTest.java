package io.aisix.plugin.authoidc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.aisix.plugin.authapikey.ApiKeyAuthFilterFactory;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.TestUpstreamClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JWT callers against a local issuer ({@link TestIssuer}: discovery document and JWKS on a
 * loopback server): valid, expired, not yet valid, wrong audience, wrong issuer, alg none, HMAC
 * confusion, rotated key, unknown kid (rate-limited refetch), JWKS outage, claim mappings, and
 * API keys alongside in one AUTH stage.
 */
@Timeout(60)
class OidcAuthFilterTest {
    /** A clock the test moves by hand. */
    static final class StepClock extends Clock {
        volatile Instant now = Instant.parse("2026-06-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final TestIssuer idp = new TestIssuer();
    final StepClock clock = new StepClock();
    final TestUpstreamClient upstream = new TestUpstreamClient(Duration.ofSeconds(5));
    final TestPluginContext ctx = new TestPluginContext().clock(clock).upstream(upstream);
    final OidcAuthFilterFactory factory = new OidcAuthFilterFactory();

    @AfterEach
    void close() {
        factory.stop();
        upstream.close();
        idp.close();
    }

    String provider(String extra) {
        return "{\"name\":\"corp\",\"issuer\":\"" + idp.issuer + "\",\"audiences\":[\"aisix\"]" + extra + "}";
    }

    TestSnapshot.Builder rows(String providerRow) {
        return TestSnapshot.builder()
                .decode(new OidcProviderKind(), "p1", providerRow)
                .decode(CoreKinds.API_KEYS, "alice-key", "{\"key_hash\":\"" + Digests.sha256Hex("sk-alice")
                        + "\",\"allowed_models\":[\"gpt-4o\"],\"rate_limit\":{\"rpm\":5},"
                        + "\"jwt_provider\":\"corp\",\"jwt_subject\":\"alice\"}")
                .decode(CoreKinds.API_KEYS, "ml-key", "{\"key_hash\":\"" + Digests.sha256Hex("sk-ml")
                        + "\",\"allowed_models\":[\"claude-*\"],\"team_id\":\"ml\"}")
                .decode(CoreKinds.API_KEYS, "ops-key", "{\"key_hash\":\"" + Digests.sha256Hex("sk-ops") + "\"}")
                .decode(CoreKinds.API_KEYS, "off-key", "{\"key_hash\":\"" + Digests.sha256Hex("sk-off")
                        + "\",\"disabled\":true,\"jwt_provider\":\"corp\",\"jwt_subject\":\"mallory\"}")
                .decode(new ClaimMappingKind(), "m1", "{\"name\":\"ml-team\",\"jwt_provider\":\"corp\",\"priority\":1,"
                        + "\"match\":[{\"claim\":\"realm_access.roles\",\"op\":\"contains\",\"values\":[\"ml\"]}],"
                        + "\"resolve\":{\"api_key_id\":\"ml-key\"}}")
                .decode(new ClaimMappingKind(), "m2", "{\"name\":\"ops\",\"jwt_provider\":\"corp\",\"priority\":2,"
                        + "\"match\":[{\"claim\":\"dept\",\"op\":\"exact\",\"values\":[\"ops\",\"sre\"]}],"
                        + "\"resolve\":{\"api_key_id\":\"ops-key\"}}")
                .decode(new ClaimMappingKind(), "m3", "{\"name\":\"off\",\"jwt_provider\":\"corp\",\"enabled\":false,"
                        + "\"match\":[{\"claim\":\"dept\",\"op\":\"exact\",\"values\":[\"sales\"]}],"
                        + "\"resolve\":{\"api_key_id\":\"ops-key\"}}")
                .decode(new ClaimMappingKind(), "m4", "{\"name\":\"other-idp\",\"jwt_provider\":\"elsewhere\","
                        + "\"match\":[{\"claim\":\"dept\",\"op\":\"exact\",\"values\":[\"hr\"]}],"
                        + "\"resolve\":{\"api_key_id\":\"ops-key\"}}")
                .decode(new ClaimMappingKind(), "m5", "{\"name\":\"lab\",\"jwt_provider\":\"corp\",\"priority\":3,"
                        + "\"match\":[{\"claim\":\"dept\",\"op\":\"exact\",\"values\":[\"lab\"]}],"
                        + "\"resolve\":{\"api_key_id\":\"ops-key\"},\"rate_limit_scope\":\"subject\"}");
    }

    List<Filter> chain(Snapshot snapshot) {
        var fc = ctx.filterContext(snapshot);
        var oidc = factory.create(fc);
        factory.activate(fc, oidc);
        Filter apiKeys = new ApiKeyAuthFilterFactory().create(fc).orElseThrow();
        return oidc.map(f -> List.of(f, apiKeys)).orElse(List.of(apiKeys));
    }

    List<Filter> chain(String extra) {
        return chain(rows(provider(extra)).build());
    }

    static CallerKey call(List<Filter> filters, String bearer) {
        TestExchange ex = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}")
                .header("authorization", "Bearer " + bearer).build();
        TestChain.of(filters, e -> Response.json(new byte[0])).run(ex);
        return ex.attr(CoreAttrs.CALLER).orElseThrow();
    }

    static GatewayException refused(List<Filter> filters, String bearer) {
        return assertThrows(GatewayException.class, () -> call(filters, bearer));
    }

    JWTClaimsSet claims(String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
        return edit.apply(idp.claims(sub, clock.instant())).build();
    }

    JWTClaimsSet claims(String sub) {
        return claims(sub, b -> b);
    }

    // ------------------------------------------------------------------ valid tokens

    @Test
    void aValidTokenRunsAsTheKeyBoundToItsSubject() {
        List<Filter> f = chain("");
        CallerKey k = call(f, idp.rs256(claims("alice")));
        assertEquals("alice-key", k.id());
        assertEquals(List.of("gpt-4o"), k.allowedModels(), "the key's allowed models apply");
        assertEquals(5, k.rateLimit().orElseThrow().rpm().getAsLong(),
                "the key's rate limit applies");
        // keys came from the discovery document's jwks_uri, fetched once
        assertEquals(1, idp.jwksHits.get());
        assertTrue(idp.http.requests().stream().anyMatch(r -> r.path().endsWith("/.well-known/openid-configuration")));
    }

    @Test
    void ecKeysAndAnExplicitJwksUriWork() {
        List<Filter> f = chain(",\"jwks_uri\":\"" + idp.jwksUri() + "\"");
        assertEquals("alice-key", call(f, idp.sign(idp.ec, JWSAlgorithm.ES256, claims("alice"))).id());
        assertTrue(idp.http.requests().stream().noneMatch(r -> r.path().contains("openid-configuration")));
    }

    @Test
    void aTokenWithoutKidIsCheckedAgainstEveryKeyOfItsType() {
        List<Filter> f = chain("");
        String t = idp.sign(idp.rsa, JWSAlgorithm.RS256, claims("alice"), h -> h.keyID(null));
        assertEquals("alice-key", call(f, t).id());
    }

    @Test
    void apiKeysKeepWorkingAlongsideJwts() {
        List<Filter> f = chain("");
        assertEquals("ops-key", call(f, "sk-ops").id());
        assertEquals("alice-key", call(f, idp.rs256(claims("alice"))).id());
        assertEquals(ErrorCode.INVALID_API_KEY, refused(f, "sk-unknown").code());
        // an API key that happens to contain dots is not taken for a JWT
        assertEquals(ErrorCode.INVALID_API_KEY, refused(f, "sk-a.b.c").code());
        assertFalse(OidcAuthFilter.looksLikeJwt("sk-a.b.c"));
        assertFalse(OidcAuthFilter.looksLikeJwt("eyJ.a b.c"));
        assertTrue(OidcAuthFilter.looksLikeJwt(idp.rs256(claims("alice"))));
    }

    @Test
    void onAHeaderKeyPassthroughRouteTheGatewayJwtIsInTheRoutesHeader() {
        Snapshot snapshot = rows(provider(""))
                .decode(CoreKinds.PASSTHROUGH_ROUTES, "r", "{\"name\":\"byo\",\"path_prefix\":\"/passthrough/byo\","
                        + "\"auth_mode\":\"header_key\",\"auth_header_name\":\"x-aisix-key\","
                        + "\"credential_mode\":\"forward_client\"}")
                .build();
        List<Filter> f = chain(snapshot);
        // the caller's own upstream credential is a JWT of an issuer the gateway does not trust: left alone
        String upstreamJwt = idp.rs256(claims("alice", b -> b.issuer("https://vendor.example")));
        TestExchange ex = TestExchange.builder(Endpoint.PASSTHROUGH).path("/passthrough/byo/v1/x").snapshot(snapshot)
                .header("x-aisix-key", "Bearer " + idp.rs256(claims("alice")))
                .header("authorization", "Bearer " + upstreamJwt).build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(ex);
        assertEquals("alice-key", ex.attr(CoreAttrs.CALLER).orElseThrow().id());
        TestExchange withKey = TestExchange.builder(Endpoint.PASSTHROUGH).path("/passthrough/byo/v1/x")
                .snapshot(snapshot).header("x-aisix-key", "sk-ops").header("authorization", "Bearer " + upstreamJwt)
                .build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(withKey);
        assertEquals("ops-key", withKey.attr(CoreAttrs.CALLER).orElseThrow().id());
    }

    @Test
    void withoutAnEnabledProviderThereIsNoFilterAndJwtsAreUnknownApiKeys() {
        var fc = ctx.filterContext(rows(provider(",\"enabled\":false")).build());
        assertTrue(factory.create(fc).isEmpty());
        List<Filter> f = chain(rows(provider(",\"enabled\":false")).build());
        assertEquals("invalid API key", refused(f, idp.rs256(claims("alice"))).getMessage());
    }

    // ------------------------------------------------------------------ claims

    @Test
    void expiredAndNotYetValidTokensAreRefused() {
        List<Filter> f = chain("");
        Instant now = clock.instant();
        String expired = idp.rs256(claims("alice", b -> b.expirationTime(Date.from(now.minusSeconds(10)))));
        assertEquals("invalid bearer token: the token has expired", refused(f, expired).getMessage());
        String early = idp.rs256(claims("alice", b -> b.notBeforeTime(Date.from(now.plusSeconds(60)))));
        assertEquals("invalid bearer token: the token is not valid yet (nbf)", refused(f, early).getMessage());
        String noExp = idp.rs256(claims("alice", b -> b.expirationTime(null)));
        assertEquals("invalid bearer token: the token has no exp", refused(f, noExp).getMessage());
        assertEquals(401, refused(f, expired).status());
    }

    @Test
    void aRememberedTokenStillExpires() {
        List<Filter> f = chain("");
        String t = idp.rs256(claims("alice", b -> b.expirationTime(Date.from(clock.instant().plusSeconds(60)))));
        assertEquals("alice-key", call(f, t).id());
        clock.advance(Duration.ofSeconds(61));
        assertEquals("invalid bearer token: the token has expired", refused(f, t).getMessage());
    }

    @Test
    void leewayAllowsClockSkew() {
        List<Filter> f = chain(",\"leeway_secs\":30");
        Instant now = clock.instant();
        assertEquals("alice-key", call(f, idp.rs256(claims("alice",
                b -> b.expirationTime(Date.from(now.minusSeconds(20)))))).id());
        assertEquals("alice-key", call(f, idp.rs256(claims("alice",
                b -> b.notBeforeTime(Date.from(now.plusSeconds(20)))))).id());
        refused(f, idp.rs256(claims("alice", b -> b.expirationTime(Date.from(now.minusSeconds(40))))));
    }

    @Test
    void wrongAudienceAndWrongIssuerAreRefused() {
        List<Filter> f = chain("");
        assertEquals("invalid bearer token: the token's audience is not accepted",
                refused(f, idp.rs256(claims("alice", b -> b.audience("someone-else")))).getMessage());
        assertEquals("invalid bearer token: the token's audience is not accepted",
                refused(f, idp.rs256(claims("alice", b -> b.audience((String) null)))).getMessage());
        assertEquals("alice-key", call(f, idp.rs256(claims("alice", b -> b.audience(List.of("x", "aisix"))))).id());
        assertEquals("invalid bearer token: issuer is not trusted",
                refused(f, idp.rs256(claims("alice", b -> b.issuer("https://evil.example")))).getMessage());
        assertEquals("invalid bearer token: issuer is not trusted",
                refused(f, idp.rs256(claims("alice", b -> b.issuer(idp.issuer + "/")))).getMessage(),
                "issuers compare byte for byte");
    }

    @Test
    void requiredScopesAndBoundClaimsMustHold() {
        List<Filter> f = chain(",\"required_scopes\":[\"llm\"],\"bound_claims\":{\"realm_access.roles\":\"staff\","
                + "\"tenant\":[\"a\",\"b\"]}");
        UnaryOperator<JWTClaimsSet.Builder> good = b -> b.claim("scope", "openid llm")
                .claim("realm_access", Map.of("roles", List.of("staff", "x"))).claim("tenant", "b");
        assertEquals("alice-key", call(f, idp.rs256(claims("alice", good))).id());
        assertEquals("alice-key", call(f, idp.rs256(claims("alice", b -> good.apply(b).claim("scope", null)
                .claim("scp", List.of("llm"))))).id(), "scp arrays count as scopes");
        assertEquals("invalid bearer token: the token lacks a required scope",
                refused(f, idp.rs256(claims("alice", b -> good.apply(b).claim("scope", "openid")))).getMessage());
        assertEquals("invalid bearer token: bound claim tenant does not hold",
                refused(f, idp.rs256(claims("alice", b -> good.apply(b).claim("tenant", "c")))).getMessage());
        assertEquals("invalid bearer token: bound claim realm_access.roles does not hold",
                refused(f, idp.rs256(claims("alice", b -> good.apply(b).claim("realm_access", "staff"))))
                        .getMessage());
    }

    // ------------------------------------------------------------------ algorithms and keys

    @Test
    void unsignedAndHmacConfusedTokensAreRefused() {
        List<Filter> f = chain("");
        assertEquals("invalid bearer token: unsigned tokens (alg none) are not accepted",
                refused(f, TestIssuer.unsigned(claims("alice"))).getMessage());
        assertEquals("invalid bearer token: algorithm HS256 is not allowed",
                refused(f, idp.hs256WithPublicKey(claims("alice"))).getMessage());
        // an allowed algorithm the provider narrowed away
        List<Filter> rsOnly = chain(",\"allowed_algorithms\":[\"RS256\"]");
        assertEquals("invalid bearer token: algorithm ES256 is not allowed",
                refused(rsOnly, idp.sign(idp.ec, JWSAlgorithm.ES256, claims("alice"))).getMessage());
        // a header that claims ES256 for the RSA key's kid finds no fitting key
        assertEquals(ErrorCode.INVALID_API_KEY, refused(f, idp.sign(idp.ec, JWSAlgorithm.ES256, claims("alice"),
                h -> h.keyID("rsa-1"))).code());
    }

    @Test
    void aForgedSignatureAndGarbageAreRefused() {
        List<Filter> f = chain("");
        RSAKey impostor = TestIssuer.rsa("rsa-1");
        assertEquals("invalid bearer token: signature does not verify",
                refused(f, idp.sign(impostor, JWSAlgorithm.RS256, claims("alice"))).getMessage());
        String good = idp.rs256(claims("alice"));
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + idp.rs256(claims("root")).split("\\.")[1] + "." + parts[2];
        assertEquals("invalid bearer token: signature does not verify", refused(f, tampered).getMessage());
        assertEquals("invalid bearer token: malformed token", refused(f, "eyJhbGciOi.e30.x").getMessage());
    }

    @Test
    void aRotatedKeyIsFetchedOnItsUnknownKid() {
        List<Filter> f = chain("");
        String before = idp.rs256(claims("alice"));
        assertEquals("alice-key", call(f, before).id());
        assertEquals("alice-key", call(f, before).id(), "verified once, then remembered");
        assertEquals(1, idp.jwksHits.get());
        clock.advance(Duration.ofSeconds(31)); // past jwks_refetch_min_secs (30)
        RSAKey old = idp.rsa;
        idp.rotate("rsa-2");
        assertEquals("alice-key", call(f, idp.rs256(claims("alice"))).id(), "the new key verifies after a refetch");
        assertEquals(2, idp.jwksHits.get());
        // the old key left the issuer's set, so its tokens no longer verify, remembered ones included
        assertEquals(ErrorCode.INVALID_API_KEY, refused(f, idp.sign(old, JWSAlgorithm.RS256, claims("alice"))).code());
        assertEquals("invalid bearer token: no signing key of the issuer matches the token",
                refused(f, before).getMessage());
    }

    @Test
    void unknownKidsRefetchAtMostOncePerInterval() {
        List<Filter> f = chain("");
        call(f, idp.rs256(claims("alice")));
        assertEquals(1, idp.jwksHits.get());
        clock.advance(Duration.ofSeconds(5));
        String stranger = idp.sign(TestIssuer.rsa("nobody"), JWSAlgorithm.RS256, claims("alice"));
        for (int i = 0; i < 5; i++) {
            assertEquals("invalid bearer token: no signing key of the issuer matches the token",
                    refused(f, stranger).getMessage());
        }
        assertEquals(1, idp.jwksHits.get(), "within jwks_refetch_min_secs of the last fetch: no refetch");
        clock.advance(Duration.ofSeconds(30));
        refused(f, stranger);
        refused(f, stranger);
        assertEquals(2, idp.jwksHits.get(), "one refetch once the interval passed");
    }

    @Test
    void aPerSubjectMappingNamesTheIdentityItsLimitsCountFor() {
        List<Filter> f = chain("");
        for (String sub : List.of("u1", "u2")) {
            TestExchange ex = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}").header("authorization", "Bearer "
                    + idp.rs256(claims(sub, b -> b.claim("dept", "lab")))).build();
            TestChain.of(f, e -> Response.json(new byte[0])).run(ex);
            assertEquals("ops-key", ex.attr(CoreAttrs.CALLER).orElseThrow().id());
            assertEquals(java.util.Optional.of("corp/" + sub), ex.attr(CoreAttrs.RATE_LIMIT_SUBJECT));
        }
        // the default scope (AISIX's): every identity of the mapping counts as the key
        TestExchange ops = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}").header("authorization", "Bearer "
                + idp.rs256(claims("u3", b -> b.claim("dept", "ops")))).build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(ops);
        assertEquals("ops-key", ops.attr(CoreAttrs.CALLER).orElseThrow().id());
        assertEquals(java.util.Optional.empty(), ops.attr(CoreAttrs.RATE_LIMIT_SUBJECT));
    }

    @Test
    void aJwksOutageKeepsServingTheCachedKeys() {
        List<Filter> f = chain(",\"jwks_refresh_secs\":60");
        call(f, idp.rs256(claims("alice")));
        idp.jwksStatus = 500;
        try (LogCapture log = LogCapture.of(JwksCache.class.getName())) {
            clock.advance(Duration.ofSeconds(61));
            factory.jwks().tick(); // the background refresh, due now, fails
            awaitFetches(2);
            assertEquals("alice-key", call(f, idp.rs256(claims("alice"))).id());
            var health = factory.jwks().health().status();
            assertFalse(health.up());
            assertTrue(health.error().contains("HTTP 500") && health.error().contains("serving cached keys"),
                    health.error());
            assertTrue(log.contains("serving the cached keys"), log.toString());
        }
        idp.jwksStatus = 200;
        clock.advance(Duration.ofSeconds(61));
        factory.jwks().tick();
        awaitFetches(3);
        eventually(() -> factory.jwks().health().status().up());
    }

    @Test
    void noKeysYetAnswers503WithinTheTimeout() {
        idp.jwksStatus = 503;
        List<Filter> f = chain(",\"jwks_timeout_ms\":500");
        GatewayException e = refused(f, idp.rs256(claims("alice")));
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, e.code());
        assertEquals(503, e.status());
    }

    @Test
    void requestsDuringAnOutageWithoutKeysCostTheIssuerOneFetchPerInterval() {
        idp.jwksStatus = 503;
        List<Filter> f = chain(",\"jwks_refetch_min_secs\":30");
        String t = idp.rs256(claims("alice"));
        for (int i = 0; i < 5; i++) {
            assertEquals(ErrorCode.SERVICE_UNAVAILABLE, refused(f, t).code());
        }
        assertEquals(1, idp.jwksHits.get(), "the activation's fetch only");
        clock.advance(Duration.ofSeconds(30));
        idp.jwksStatus = 200;
        assertEquals("alice-key", call(f, t).id(), "the next fetch, once the interval passed, gets the keys");
        assertEquals(2, idp.jwksHits.get());
    }

    @Test
    void aSlowJwksEndpointNeverHoldsARequestPastTheTimeout() {
        idp.http.route("/realm/certs", req -> {
            Thread.sleep(3_000);
            return io.aisix.testkit.LoopbackHttpServer.Reply.json(200, "{}");
        });
        List<Filter> f = chain(",\"jwks_uri\":\"" + idp.jwksUri() + "\",\"jwks_timeout_ms\":300");
        // bounded by @Timeout: the request gives up after jwks_timeout_ms, not after the fetch
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, refused(f, idp.rs256(claims("alice"))).code());
    }

    // ------------------------------------------------------------------ claim mappings

    @Test
    void claimMappingsSelectTheKeyByPriority() {
        List<Filter> f = chain("");
        CallerKey ml = call(f, idp.rs256(claims("bob", b -> b.claim("realm_access", Map.of("roles", List.of("ml"))))));
        assertEquals("ml-key", ml.id());
        assertEquals(List.of("claude-*"), ml.allowedModels());
        assertEquals("ml", ml.teamId().orElseThrow(), "team-scoped rate limits follow the key's team");
        assertEquals("ops-key", call(f, idp.rs256(claims("carol", b -> b.claim("dept", "sre")))).id());
        // both match: priority 1 wins
        assertEquals("ml-key", call(f, idp.rs256(claims("dave", b -> b.claim("dept", "ops")
                .claim("realm_access", Map.of("roles", List.of("ml")))))).id());
        // a subject binding comes before the mappings
        assertEquals("alice-key", call(f, idp.rs256(claims("alice", b -> b.claim("dept", "ops")))).id());
    }

    @Test
    void unmatchedMistypedDisabledAndForeignMappingsDeny() {
        List<Filter> f = chain("");
        String none = "invalid bearer token: no API key is bound to this identity";
        assertEquals(none, refused(f, idp.rs256(claims("erin"))).getMessage());
        // exact never matches an array, contains never matches a string
        assertEquals(none, refused(f, idp.rs256(claims("erin", b -> b.claim("dept", List.of("ops"))))).getMessage());
        assertEquals(none, refused(f, idp.rs256(claims("erin", b -> b.claim("realm_access",
                Map.of("roles", "ml"))))).getMessage());
        assertEquals(none, refused(f, idp.rs256(claims("erin", b -> b.claim("dept", "sales")))).getMessage(),
                "a disabled mapping is skipped");
        assertEquals(none, refused(f, idp.rs256(claims("erin", b -> b.claim("dept", "hr")))).getMessage(),
                "a mapping of another provider never matches");
    }

    @Test
    void theBoundKeysStateApplies() {
        List<Filter> f = chain("");
        assertEquals(ErrorCode.API_KEY_DISABLED, refused(f, idp.rs256(claims("mallory"))).code());
    }

    @Test
    void theIdentityClaimIsConfigurable() {
        List<Filter> f = chain(",\"identity_claim\":\"ext.login\"");
        assertEquals("alice-key", call(f, idp.rs256(claims("u-123", b -> b.claim("ext", Map.of("login", "alice")))))
                .id());
        assertEquals(ErrorCode.INVALID_API_KEY, refused(f, idp.rs256(claims("alice"))).code());
    }

    @Test
    void refusalsNeverCarryTheTokenOrTheSubject() {
        List<Filter> f = chain("");
        try (LogCapture log = LogCapture.of("")) {
            for (String t : List.of(idp.rs256(claims("secret-subject", b -> b.audience("x"))),
                    idp.rs256(claims("secret-subject")), TestIssuer.unsigned(claims("secret-subject")))) {
                GatewayException e = refused(f, t);
                assertFalse(e.getMessage().contains(t) || e.getMessage().contains("secret-subject"), e.getMessage());
                assertFalse(log.toString().contains(t.split("\\.")[1]), log.toString());
            }
        }
    }

    void awaitFetches(int attempts) {
        eventually(() -> idp.jwksHits.get() >= attempts && factory.jwks().entry(anyProvider()).inflight == null);
    }

    OidcProvider anyProvider() {
        return new OidcProviderKind().decode("p1", io.aisix.support.Json.mapper().valueToTree(Map.of("name", "corp",
                "issuer", idp.issuer, "audiences", List.of("aisix"), "jwks_refresh_secs", 60)));
    }

    static void eventually(java.util.function.BooleanSupplier ok) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met in 10 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
