package io.aisix.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.plugin.authoidc.OidcAuthFilterFactory;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The auth-oidc filter on a JWT caller with the issuer's keys cached: parse the compact token,
 * pick the key by {@code kid}, verify the signature ({@code RS256}: RSA-2048; {@code ES256}:
 * P-256), check {@code iss}/{@code aud}/{@code exp}, find the key bound to {@code sub}, publish
 * {@link CoreAttrs#CALLER}. Compare {@code CallerKeyLookup} (the API-key path).
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar JwtCallerAuth}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JwtCallerAuthBenchmark {
    private static final Response ANSWER = Response.json(new byte[0]);
    private static final Chain NEXT = ex -> ANSWER;
    private static final String ISSUER = "https://sso.bench.example/realms/corp";

    @Param({"RS256", "ES256"})
    public String alg;

    /**
     * {@code repeated}: one token again and again (a client reusing its access token: the
     * filter's memo of verified tokens answers); {@code distinct}: every operation another token
     * (5,000 in turn, more than the memo holds), so every one is parsed and its signature verified.
     */
    @Param({"repeated", "distinct"})
    public String token;

    private static final int POOL = 5_000;
    private KernelExchange[] exchanges;
    private int next;

    private OidcAuthFilterFactory factory;
    private Filter filter;
    private KernelExchange exchange;

    @Setup(Level.Trial)
    public void setUp() throws JOSEException {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        byte[] jwks = new JWKSet(List.of(rsa, ec)).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
        Snapshot snapshot = TestSnapshot.builder()
                .decode(kind("oidc_providers"), "p1", "{\"name\":\"corp\",\"issuer\":\"" + ISSUER
                        + "\",\"audiences\":[\"aisix\"],\"jwks_uri\":\"https://sso.bench.example/certs\"}")
                .decode(CoreKinds.API_KEYS, "k1", Fixtures.callerKeyRow("alice", "sk-bench-alice")
                        .replaceFirst("\\}$", ",\"jwt_provider\":\"corp\",\"jwt_subject\":\"alice\"}"))
                .build();
        factory = new OidcAuthFilterFactory();
        TestPluginContext ctx = new TestPluginContext().upstream(Fixtures.cannedUpstream(jwks, jwks));
        FilterContext fc = ctx.filterContext(snapshot);
        filter = factory.create(fc).orElseThrow();
        factory.activate(fc, java.util.Optional.of(filter));
        Instant now = Instant.now();
        int n = token.equals("repeated") ? 1 : POOL;
        exchanges = new KernelExchange[n];
        RSASSASigner rsaSigner = new RSASSASigner(rsa);
        ECDSASigner ecSigner = new ECDSASigner(ec);
        for (int i = 0; i < n; i++) {
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").audience("aisix")
                    .jwtID("t" + i).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(86_400)))
                    .build();
            SignedJWT jwt;
            if (alg.equals("RS256")) {
                jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims);
                jwt.sign(rsaSigner);
            } else {
                jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims);
                jwt.sign(ecSigner);
            }
            exchanges[i] = new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS,
                    Headers.of("authorization", "Bearer " + jwt.serialize()), new byte[0], snapshot, "rid", 0);
        }
        exchange = exchanges[0];
        filter.handle(exchange, NEXT);
        if (!exchange.attr(CoreAttrs.CALLER).map(k -> k.id().equals("k1")).orElse(false)) {
            throw new IllegalStateException("the token did not authenticate");
        }
    }

    private static ResourceKind<?> kind(String name) {
        for (ResourceKind<?> k : ServiceLoader.load(ResourceKind.class)) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalStateException("no resource kind " + name + " on the class path");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        factory.stop();
    }

    @Benchmark
    public Response verify() {
        KernelExchange ex = exchanges[next];
        next = next + 1 == exchanges.length ? 0 : next + 1;
        return filter.handle(ex, NEXT);
    }
}
