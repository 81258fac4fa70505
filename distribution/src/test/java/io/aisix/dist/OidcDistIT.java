package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWT callers on the installed product: the tarball's gateway on a real etcd, a local OIDC issuer
 * (discovery document and JWKS on a loopback server, RSA and EC keys), {@code oidc_providers},
 * {@code claim_mappings} and caller keys written through the Admin API. A token runs as the key its
 * subject is bound to (or a mapping selects) with that key's allowed models and rate limit, on
 * every proxy endpoint, alongside plain API keys; expired, wrong-audience, unsigned and unknown
 * tokens are refused; a rotated key is fetched on its new kid; an issuer outage keeps the cached
 * keys serving; no token reaches a log line.
 */
@Timeout(180)
class OidcDistIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String ALICE_API_KEY = "sk-dist-alice-0123456789";

    @TempDir
    static Path dir;
    static EtcdServer etcd;
    static MockUpstream mock;
    static LoopbackHttpServer idp;
    static InstalledGateway gw;
    static volatile List<JWK> published;
    static volatile int jwksStatus = 200;
    static RSAKey rsa;
    static ECKey ec;
    static String issuer;
    static final List<String> issued = new ArrayList<>();

    @BeforeAll
    static void start() throws JOSEException {
        etcd = EtcdServer.start();
        mock = MockUpstream.start();
        mock.defaultScript(Script.reply("pong"));
        idp = LoopbackHttpServer.start();
        issuer = idp.url("/realms/corp");
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").keyUse(KeyUse.SIGNATURE).generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").keyUse(KeyUse.SIGNATURE).generate();
        published = List.of(rsa, ec);
        idp.route("/realms/corp/.well-known/openid-configuration", req -> LoopbackHttpServer.Reply.json(200,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + idp.url("/realms/corp/certs") + "\"}"));
        idp.route("/realms/corp/certs", req -> jwksStatus != 200 ? LoopbackHttpServer.Reply.json(jwksStatus, "{}")
                : LoopbackHttpServer.Reply.json(200, new JWKSet(published).toPublicJWKSet().toString()));
        gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                etcd: { endpoints: [%s], prefix: /aisix }
                """.formatted(etcd.endpoint()));

        String pk = create("provider_keys", """
                {"display_name":"up","provider":"openai","api_key":"sk-up-oidc-123456","api_base":"%s"}"""
                .formatted(mock.openAiBase()));
        for (String alias : List.of("gpt-allowed", "claude-team", "limited")) {
            create("models", "{\"display_name\":\"" + alias + "\",\"provider_key_id\":\"" + pk
                    + "\",\"model_name\":\"gpt-4o\"}");
        }
        create("oidc_providers", """
                {"name":"corp","issuer":"%s","audiences":["aisix-gateway"],"leeway_secs":5,
                 "jwks_refetch_min_secs":0,"jwks_refresh_secs":3600}""".formatted(issuer));
        create("api_keys", """
                {"display_name":"alice","key":"%s","allowed_models":["gpt-allowed"],"allowed_routes":["*"],
                 "jwt_provider":"corp","jwt_subject":"alice"}""".formatted(ALICE_API_KEY));
        create("passthrough_routes", "{\"name\":\"direct\",\"path_prefix\":\"/passthrough/direct\","
                + "\"provider_key_id\":\"" + pk + "\"}");
        create("passthrough_routes", "{\"name\":\"byo\",\"path_prefix\":\"/passthrough/byo\",\"target_url\":\""
                + mock.openAiBase() + "\",\"auth_mode\":\"header_key\",\"auth_header_name\":\"x-gw-key\","
                + "\"credential_mode\":\"forward_client\"}");
        create("api_keys", """
                {"display_name":"bob","allowed_models":["limited"],"rate_limit":{"rpm":2},
                 "jwt_provider":"corp","jwt_subject":"bob"}""");
        String team = create("api_keys", "{\"display_name\":\"ml-team\",\"allowed_models\":[\"claude-*\"]}");
        create("claim_mappings", """
                {"name":"ml-group","jwt_provider":"corp","match":[{"claim":"groups","op":"contains","values":["ml"]}],
                 "resolve":{"api_key_id":"%s"}}""".formatted(team));
        String lab = create("api_keys", "{\"display_name\":\"lab\",\"allowed_models\":[\"limited\"],"
                + "\"rate_limit\":{\"rpm\":2}}");
        create("claim_mappings", """
                {"name":"lab-group","jwt_provider":"corp","match":[{"claim":"groups","op":"contains","values":["lab"]}],
                 "resolve":{"api_key_id":"%s"},"rate_limit_scope":"subject"}""".formatted(lab));
        HttpResponse<?>[] last = {null};
        try {
            eventually("a JWT caller is served", Duration.ofSeconds(20),
                    () -> (last[0] = chat(token("alice", b -> b), "gpt-allowed")).statusCode() == 200);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + last[0].body() + "\n" + gw.stdout() + gw.stderr(), e);
        }
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (idp != null) {
            idp.close();
        }
        if (mock != null) {
            mock.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    // ------------------------------------------------------------------ the identity and its key

    @Test
    void aJwtRunsAsItsBoundKeyOnEveryProxyEndpointAlongsideApiKeys() {
        String alice = token("alice", b -> b);
        HttpResponse<String> ok = chat(alice, "gpt-allowed");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("pong", read(ok.body()).at("/choices/0/message/content").asText());
        HttpResponse<String> denied = chat(alice, "claude-team");
        assertEquals(403, denied.statusCode(), "the key's allowed_models apply: " + denied.body());
        HttpResponse<String> models = gw.proxy("GET", "/v1/models", alice, null);
        assertEquals(200, models.statusCode(), models.body());
        assertTrue(models.body().contains("gpt-allowed") && !models.body().contains("claude-team"), models.body());
        HttpResponse<String> messages = gw.proxy("POST", "/v1/messages", alice,
                "{\"model\":\"gpt-allowed\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, messages.statusCode(), messages.body());
        // the same key's plain API key works as before
        assertEquals(200, gw.proxy("POST", "/v1/chat/completions", ALICE_API_KEY, CHAT.formatted("gpt-allowed"))
                .statusCode());
        assertEquals(401, gw.proxy("POST", "/v1/chat/completions", "sk-not-a-key-000", CHAT.formatted("gpt-allowed"))
                .statusCode());
    }

    @Test
    void passthroughRoutesTakeJwtCallersToo() {
        String alice = token("alice", b -> b);
        // the body's model is checked against the key's allowed_models on passthrough routes too
        HttpResponse<String> direct = gw.proxy("POST", "/passthrough/direct/chat/completions", alice,
                CHAT.formatted("gpt-allowed"));
        assertEquals(200, direct.statusCode(), direct.body());
        assertEquals("Bearer sk-up-oidc-123456", mock.lastRequest().header("authorization").orElseThrow(),
                "the gateway-held credential replaces the caller's token");
        // header_key: the gateway JWT in the route's header, the caller's own upstream credential (a JWT of
        // an issuer the gateway does not know) in Authorization, forwarded untouched
        String foreign = token("someone", b -> b.issuer("https://vendor.example"));
        HttpResponse<String> byo = gw.send(java.net.http.HttpRequest.newBuilder(gw.uri("proxy",
                        "/passthrough/byo/chat/completions")).header("x-gw-key", "Bearer " + alice)
                .header("authorization", "Bearer " + foreign).header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CHAT.formatted("gpt-allowed"))));
        assertEquals(200, byo.statusCode(), byo.body());
        assertEquals("Bearer " + foreign, mock.lastRequest().header("authorization").orElseThrow());
        assertTrue(mock.lastRequest().header("x-gw-key").isEmpty(), "the gateway token never reaches the upstream");
        // the team key a mapping selects has no allowed_routes: AISIX grants none
        HttpResponse<String> noRoute = gw.proxy("POST", "/passthrough/direct/chat/completions",
                token("carol", b -> b.claim("groups", List.of("ml"))), CHAT.formatted("claude-team"));
        assertEquals(403, noRoute.statusCode(), noRoute.body());
    }

    @Test
    void aClaimMappingSelectsTheTeamKey() {
        String carol = token("carol", b -> b.claim("groups", List.of("staff", "ml")));
        assertEquals(200, chat(carol, "claude-team").statusCode());
        assertEquals(403, chat(carol, "gpt-allowed").statusCode());
        HttpResponse<String> nobody = chat(token("dave", b -> b.claim("groups", List.of("sales"))), "gpt-allowed");
        assertEquals(401, nobody.statusCode());
        assertEquals("invalid bearer token: no API key is bound to this identity",
                read(nobody.body()).at("/error/message").asText());
    }

    @Test
    void theKeysRateLimitCountsJwtRequests() {
        String bob = token("bob", b -> b);
        assertEquals(200, chat(bob, "limited").statusCode());
        assertEquals(200, chat(bob, "limited").statusCode());
        HttpResponse<String> third = chat(bob, "limited");
        assertEquals(429, third.statusCode(), third.body());
        assertEquals("rate_limit_exceeded", read(third.body()).at("/error/code").asText());
    }

    @Test
    void aPerSubjectMappingGivesEachIdentityItsOwnBucketOfTheSharedKey() {
        for (String who : List.of("erin", "frank")) { // two subjects of one provider, mapped to the one lab key
            String t = token(who, b -> b.claim("groups", List.of("lab")));
            assertEquals(200, chat(t, "limited").statusCode(), who);
            assertEquals(200, chat(t, "limited").statusCode(), who);
            HttpResponse<String> third = chat(t, "limited");
            assertEquals(429, third.statusCode(), who + ": " + third.body());
        }
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void badTokensAreRefused() throws JOSEException {
        Instant now = Instant.now();
        Map<String, String> cases = Map.of(
                "the token has expired", token("alice", b -> b.expirationTime(Date.from(now.minusSeconds(60)))),
                "the token's audience is not accepted", token("alice", b -> b.audience("another-app")),
                "issuer is not trusted", token("alice", b -> b.issuer("https://evil.example")),
                "unsigned tokens (alg none) are not accepted",
                new PlainJWT(claims("alice", b -> b)).serialize(),
                "signature does not verify", sign(new RSAKeyGenerator(2048).keyID("rsa-1").generate(),
                        claims("alice", b -> b)));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = chat(c.getValue(), "gpt-allowed");
            assertEquals(401, r.statusCode(), c.getKey() + ": " + r.body());
            JsonNode err = read(r.body()).get("error");
            assertEquals("invalid_api_key", err.get("code").asText());
            assertEquals("invalid bearer token: " + c.getKey(), err.get("message").asText());
            assertFalse(r.body().contains(c.getValue()), "the answer never echoes the token");
        }
    }

    // ------------------------------------------------------------------ keys over time

    @Test
    void aRotatedKeyIsFetchedAndAnOutageKeepsTheCachedKeys() throws JOSEException {
        synchronized (OidcDistIT.class) {
            RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").keyUse(KeyUse.SIGNATURE).generate();
            published = List.of(rsa, next, ec);
            String rotated = sign(next, claims("alice", b -> b));
            assertEquals(200, chat(rotated, "gpt-allowed").statusCode(), "fetched on its unknown kid");
            String ecToken = signEc(claims("alice", b -> b));
            assertEquals(200, chat(ecToken, "gpt-allowed").statusCode());

            jwksStatus = 503;
            try {
                // an unknown kid makes the gateway try the issuer, which is down: the cached keys still serve
                RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-unknown").generate();
                assertEquals(401, chat(sign(stranger, claims("alice", b -> b)), "gpt-allowed").statusCode());
                assertEquals(200, chat(rotated, "gpt-allowed").statusCode(), "cached keys serve during the outage");
                JsonNode health = read(gw.admin("GET", "/admin/v1/health", null).body());
                assertTrue(health.toString().contains("oidc jwks"), health.toString());
            } finally {
                jwksStatus = 200;
            }
        }
    }

    @Test
    void providersAndMappingsAreValidatedByTheAdminApi() {
        HttpResponse<String> bad = gw.admin("POST", "/admin/v1/oidc_providers",
                "{\"name\":\"x\",\"issuer\":\"" + issuer + "\",\"audiences\":[],\"allowed_algorithms\":[\"HS256\"],"
                        + "\"leeway_secs\":900}");
        assertEquals(400, bad.statusCode(), bad.body());
        for (String path : List.of("/audiences", "/allowed_algorithms/0", "/leeway_secs")) {
            assertTrue(bad.body().contains("\"" + path + "\""), path + " in " + bad.body());
        }
        HttpResponse<String> dup = gw.admin("POST", "/admin/v1/oidc_providers",
                "{\"name\":\"corp\",\"issuer\":\"https://other\",\"audiences\":[\"a\"]}");
        assertEquals(409, dup.statusCode(), dup.body());
        HttpResponse<String> dangling = gw.admin("POST", "/admin/v1/claim_mappings",
                "{\"name\":\"m\",\"jwt_provider\":\"nope\",\"match\":[{\"claim\":\"g\",\"op\":\"exact\",\"values\":[\"v\"]}],"
                        + "\"resolve\":{\"api_key_id\":\"no-such-key\"}}");
        assertEquals(409, dangling.statusCode(), dangling.body());
        HttpResponse<String> schema = gw.get("admin", "/admin/schemas/kinds/oidc_providers.schema.json");
        assertEquals(200, schema.statusCode());
        assertTrue(schema.body().contains("jwks_uri") && schema.body().contains("audiences"), schema.body());
        assertEquals(200, gw.get("admin", "/admin/schemas/kinds/claim_mappings.schema.json").statusCode());
        JsonNode plugins = read(gw.admin("GET", "/admin/v1/plugins", null).body());
        assertTrue(plugins.toString().contains("auth-oidc"), plugins.toString());
    }

    @Test
    void noTokenReachesALogLine() {
        String t = token("alice", b -> b);
        assertEquals(200, chat(t, "gpt-allowed").statusCode());
        chat(token("alice", b -> b.audience("x")), "gpt-allowed");
        String logs = gw.stdout() + gw.stderr();
        synchronized (issued) {
            for (String token : issued) {
                assertFalse(logs.contains(token.substring(token.lastIndexOf('.') + 1)), "a token signature in the logs");
                assertFalse(logs.contains(token.substring(0, token.indexOf('.', token.indexOf('.') + 1))),
                        "a token's header and claims in the logs");
            }
        }
        assertFalse(gw.stderr().contains("SEVERE"), gw.stderr());
    }

    // ------------------------------------------------------------------ helpers

    static JWTClaimsSet claims(String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
        Instant now = Instant.now();
        return edit.apply(new JWTClaimsSet.Builder().issuer(issuer).subject(sub).audience("aisix-gateway")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))).build();
    }

    static String token(String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
        try {
            return sign(rsa, claims(sub, edit));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(RSAKey key, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return remember(jwt.serialize());
    }

    static String signEc(JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(ec));
        return remember(jwt.serialize());
    }

    static String remember(String token) {
        synchronized (issued) {
            issued.add(token);
        }
        return token;
    }

    static HttpResponse<String> chat(String bearer, String model) {
        return gw.proxy("POST", "/v1/chat/completions", bearer, CHAT.formatted(model));
    }

    static String create(String kind, String json) {
        HttpResponse<String> r = gw.admin("POST", "/admin/v1/" + kind, json);
        assertEquals(201, r.statusCode(), kind + ": " + r.body());
        return read(r.body()).get("id").asText();
    }

    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(body, e);
        }
    }
}
