package io.aisix.plugin.authoidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
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
import io.aisix.testkit.LoopbackHttpServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A local OIDC issuer for tests: a loopback HTTP server serving a discovery document and a JWKS of
 * RSA and EC test keys, which it can rotate, and a signer of tokens with those keys.
 */
final class TestIssuer implements AutoCloseable {
    final LoopbackHttpServer http = LoopbackHttpServer.start();
    final String issuer = http.url("/realm");
    final AtomicInteger jwksHits = new AtomicInteger();
    volatile List<JWK> published = new ArrayList<>();
    volatile int jwksStatus = 200;
    RSAKey rsa;
    ECKey ec;

    TestIssuer() {
        rsa = rsa("rsa-1");
        ec = ec("ec-1");
        published = List.of(rsa, ec);
        http.route("/realm/.well-known/openid-configuration", req -> LoopbackHttpServer.Reply.json(200,
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + http.url("/realm/certs") + "\"}"));
        http.route("/realm/certs", req -> {
            jwksHits.incrementAndGet();
            if (jwksStatus != 200) {
                return LoopbackHttpServer.Reply.json(jwksStatus, "{}");
            }
            return LoopbackHttpServer.Reply.json(200, new JWKSet(published).toPublicJWKSet().toString());
        });
    }

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the RSA key with a new one under a new kid, published from now on. */
    RSAKey rotate(String kid) {
        rsa = rsa(kid);
        published = List.of(rsa, ec);
        return rsa;
    }

    String jwksUri() {
        return http.url("/realm/certs");
    }

    /** Standard valid claims for {@code sub}, audience {@code aisix}, expiring in an hour of {@code now}. */
    JWTClaimsSet.Builder claims(String sub, Instant now) {
        return new JWTClaimsSet.Builder().issuer(issuer).subject(sub).audience("aisix")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)));
    }

    String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) {
        return sign(key, alg, claims, h -> { });
    }

    String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims, Consumer<JWSHeader.Builder> header) {
        try {
            JWSSigner signer = key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key);
            JWSHeader.Builder h = new JWSHeader.Builder(alg).keyID(key.getKeyID());
            header.accept(h);
            SignedJWT jwt = new SignedJWT(h.build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String rs256(JWTClaimsSet claims) {
        return sign(rsa, JWSAlgorithm.RS256, claims);
    }

    static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    /** HS256 keyed with the bytes of the RSA public key: the classic algorithm-confusion forgery. */
    String hs256WithPublicKey(JWTClaimsSet claims) {
        try {
            byte[] secret = rsa.toPublicJWK().toJSONString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(rsa.getKeyID()).build(),
                    claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
