package io.aisix.plugin.authoidc;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.TestUpstreamClient;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.ResourceKindContract;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/**
 * auth-oidc keeps the FilterFactory contract and the ResourceKind contract of its two kinds,
 * {@code oidc_providers} and {@code claim_mappings} (docs/plugins.md).
 */
class OidcContractTest {
    /** The side-call client of the key fetches; its JWKS URL is a closed loopback port, so fetches fail fast. */
    static final TestUpstreamClient SIDE_CALLS = new TestUpstreamClient(Duration.ofSeconds(2));

    @AfterAll
    static void close() {
        SIDE_CALLS.close();
    }

    @Nested
    class Factory extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new OidcAuthFilterFactory();
        }

        @Override
        protected Snapshot snapshot() {
            return TestSnapshot.builder()
                    .decode(new OidcProviderKind(), "p1", "{\"name\":\"corp\",\"issuer\":\"corp\",\"audiences\":[\"aisix\"],"
                            + "\"jwks_uri\":\"http://127.0.0.1:9/keys\"}")
                    .decode(CoreKinds.API_KEYS, "k1", "{\"key_hash\":\"" + Digests.sha256Hex("sk-contract")
                            + "\",\"jwt_provider\":\"corp\",\"jwt_subject\":\"alice\"}")
                    .decode(new ClaimMappingKind(), "m1", "{\"name\":\"ops\",\"jwt_provider\":\"corp\","
                            + "\"match\":[{\"claim\":\"dept\",\"op\":\"exact\",\"values\":[\"ops\"]}],"
                            + "\"resolve\":{\"api_key_id\":\"k1\"}}")
                    .build();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().upstream(SIDE_CALLS);
        }
    }

    @Nested
    class Providers extends ResourceKindContract<OidcProvider> {
        @Override
        protected ResourceKind<OidcProvider> kind() {
            return new OidcProviderKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"corp-keycloak\",\"issuer\":\"https://sso.example.com/realms/corp\",\"audiences\":[\"aisix\"],"
                    + "\"bound_claims\":{\"realm_access.roles\":[\"llm-users\"],\"tenant\":\"acme\"},"
                    + "\"required_scopes\":[\"llm\"],\"leeway_secs\":30,\"enabled\":true}";
        }

        @Override
        protected String invalidValue() {
            return "{\"audiences\":[],\"leeway_secs\":301,\"jwks_uri\":\"file:///etc/keys\",\"jwks_timeout_ms\":5}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/issuer", "/audiences", "/leeway_secs", "/jwks_uri", "/jwks_timeout_ms");
        }
    }

    @Nested
    class Mappings extends ResourceKindContract<ClaimMapping> {
        @Override
        protected ResourceKind<ClaimMapping> kind() {
            return new ClaimMappingKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"ml\",\"jwt_provider\":\"corp\",\"priority\":5,\"enabled\":true,"
                    + "\"match\":[{\"claim\":\"groups\",\"op\":\"contains\",\"values\":[\"ml\",\"ai\"]}],"
                    + "\"resolve\":{\"api_key_id\":\"k1\"}}";
        }

        @Override
        protected String invalidValue() {
            return "{\"priority\":-1,\"match\":[{\"claim\":\"g\",\"op\":\"regex\",\"values\":[]},"
                    + "{\"op\":\"exact\",\"values\":[\"v\"]}],\"resolve\":{}}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/jwt_provider", "/priority", "/match/0/op", "/match/0/values", "/match/1/claim",
                    "/resolve/api_key_id");
        }
    }
}
