package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Google's OAuth2 token endpoint as the mock plays it: service accounts the test registered
 * exchange an RS256-signed JWT assertion ({@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer})
 * for a bearer token, which the mock's Vertex routes then require. The assertion is checked for
 * real: signature by the account's key, issuer, audience (Google's token URI), scope and expiry.
 */
final class GoogleOAuth {
    static final String PATH = "/token";
    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    /** The audience Google requires in assertions (google-auth sends it whatever the token_uri is). */
    static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

    private final Map<String, PublicKey> accounts = new ConcurrentHashMap<>();
    private final Map<String, Long> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final Clock clock = Clock.systemUTC();
    private volatile Duration ttl = Duration.ofHours(1);

    /** A new service account's JSON (a fresh RSA key), with {@code token_uri} at {@code tokenUri}. */
    String serviceAccount(String email, String project, String tokenUri) {
        KeyPair pair;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            pair = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        accounts.put(email, pair.getPublic());
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode sa = MockJson.object();
        sa.put("type", "service_account");
        sa.put("project_id", project);
        sa.put("private_key_id", UUID.randomUUID().toString().replace("-", ""));
        sa.put("private_key", pem);
        sa.put("client_email", email);
        sa.put("client_id", "1000000000000000000");
        sa.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
        sa.put("token_uri", tokenUri);
        return MockJson.text(sa);
    }

    void ttl(Duration ttl) {
        this.ttl = ttl;
    }

    int issued() {
        return issued.get();
    }

    int refused() {
        return refused.get();
    }

    boolean configured() {
        return !accounts.isEmpty();
    }

    /** True when {@code bearer} is a token this endpoint issued and it has not expired. */
    boolean valid(String bearer) {
        Long expires = tokens.get(bearer);
        return expires != null && expires > clock.millis();
    }

    void reset() {
        accounts.clear();
        tokens.clear();
        issued.set(0);
        refused.set(0);
        ttl = Duration.ofHours(1);
    }

    /** The token endpoint's answer: status and JSON body. */
    Answer exchange(String form, String tokenUri) {
        Map<String, String> params = new java.util.HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(params.get("grant_type"))) {
            return refuse(400, "unsupported_grant_type", "Invalid grant_type");
        }
        String problem = check(params.getOrDefault("assertion", ""), tokenUri);
        if (problem != null) {
            return refuse(400, "invalid_grant", problem);
        }
        String token = "ya29.mock-" + UUID.randomUUID();
        tokens.put(token, clock.millis() + ttl.toMillis());
        issued.incrementAndGet();
        ObjectNode ok = MockJson.object();
        ok.put("access_token", token);
        ok.put("expires_in", ttl.toSeconds());
        ok.put("token_type", "Bearer");
        return new Answer(200, MockJson.bytes(ok));
    }

    private Answer refuse(int status, String error, String description) {
        refused.incrementAndGet();
        ObjectNode e = MockJson.object();
        e.put("error", error);
        e.put("error_description", description);
        return new Answer(status, MockJson.bytes(e));
    }

    /** Why the assertion is not acceptable, or null. */
    private String check(String jwt, String tokenUri) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            return "Invalid JWT: not three parts";
        }
        Base64.Decoder url = Base64.getUrlDecoder();
        JsonNode header;
        JsonNode claims;
        try {
            header = MockJson.MAPPER.readTree(url.decode(parts[0]));
            claims = MockJson.MAPPER.readTree(url.decode(parts[1]));
        } catch (Exception e) {
            return "Invalid JWT: unreadable";
        }
        if (!"RS256".equals(header.path("alg").asText())) {
            return "Invalid JWT: alg must be RS256";
        }
        PublicKey key = accounts.get(claims.path("iss").asText());
        if (key == null) {
            return "Invalid JWT Signature."; // Google's answer for an unknown or deleted key
        }
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(key);
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rsa.verify(url.decode(parts[2]))) {
                return "Invalid JWT Signature.";
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return "Invalid JWT Signature.";
        }
        String aud = claims.path("aud").asText();
        if (!GOOGLE_TOKEN_URI.equals(aud) && !tokenUri.equals(aud)) {
            return "Invalid JWT: audience must be " + GOOGLE_TOKEN_URI;
        }
        long now = clock.millis() / 1000;
        if (claims.path("exp").asLong(0) < now || claims.path("iat").asLong(Long.MAX_VALUE) > now + 300) {
            return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.";
        }
        if (!claims.path("scope").asText("").contains(SCOPE)) {
            return "Invalid JWT: scope " + SCOPE + " is missing";
        }
        return null;
    }

    record Answer(int status, byte[] body) {
    }
}
