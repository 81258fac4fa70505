package io.aisix.plugin.mcp;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestExchange;
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
 * Both filters of mcp-gateway keep the FilterFactory contract, and its three kinds
 * ({@code mcp_servers}, {@code mcp_policies}, {@code mcp_auth_settings}) the ResourceKind contract
 * (docs/plugins.md).
 */
class McpContractTest {
    /** The upstream client; the server's URL is a closed loopback port, so calls fail fast. */
    static final TestUpstreamClient UPSTREAM = new TestUpstreamClient(Duration.ofSeconds(2));

    @AfterAll
    static void close() {
        UPSTREAM.close();
    }

    static Snapshot snapshot() {
        return TestSnapshot.builder()
                .decode(new McpServerKind(), "s1", "{\"name\":\"alpha\",\"url\":\"http://127.0.0.1:9/mcp\"}")
                .decode(new McpPolicyKind(), "p1", "{\"scope\":\"env\",\"allow\":[\"*\"]}")
                .decode(CoreKinds.API_KEYS, "anon", GatewayFront.key("sk-anon", "\"mcp_access\":{\"allow\":[\"*\"]}"))
                .decode(new McpAuthSettingsKind(), "m1", "{\"anonymous\":{\"api_key_id\":\"anon\","
                        + "\"source_cidrs\":[\"127.0.0.0/8\"],\"servers\":[\"alpha\"]}}")
                .build();
    }

    /** A tools/list to alpha from loopback, without a credential. */
    static TestExchange toolsList() {
        return TestExchange.builder(Endpoint.MCP).method("POST").path("/mcp/alpha")
                .header("accept", "application/json, text/event-stream")
                .json("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")
                .attr(CoreAttrs.CLIENT_IP, "127.0.0.1").build();
    }

    @Nested
    class Gateway extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new McpGatewayFilterFactory();
        }

        @Override
        protected Snapshot snapshot() {
            return McpContractTest.snapshot();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().upstream(UPSTREAM);
        }

        /** As the anonymous principal, whose key grants every tool. */
        @Override
        protected TestExchange exchange() {
            TestExchange ex = toolsList();
            ex.attr(CoreAttrs.CALLER, McpContractTest.snapshot().get(CoreKinds.API_KEYS, "anon").orElseThrow());
            return ex;
        }
    }

    @Nested
    class Anonymous extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new McpAnonymousFilterFactory();
        }

        @Override
        protected Snapshot snapshot() {
            return McpContractTest.snapshot();
        }

        @Override
        protected TestExchange exchange() {
            return toolsList();
        }
    }

    @Nested
    class Servers extends ResourceKindContract<McpServer> {
        @Override
        protected ResourceKind<McpServer> kind() {
            return new McpServerKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"jira\",\"url\":\"https://mcp.example.com/mcp\",\"type\":\"mcp\","
                    + "\"transport\":\"streamable_http\",\"auth_type\":\"api_key\",\"secret\":\"sk-mcp-secret-0123\","
                    + "\"api_key_header\":\"x-api-key\",\"enabled\":true,\"timeout_ms\":5000,"
                    + "\"allowed_tools\":[\"search\"]}";
        }

        @Override
        protected String invalidValue() {
            return "{\"url\":\"ftp://h\",\"auth_type\":\"basic\",\"transport\":\"sse\",\"timeout_ms\":0,"
                    + "\"enabled\":\"yes\",\"allowed_tools\":\"x\"}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/url", "/auth_type", "/transport", "/timeout_ms", "/enabled", "/allowed_tools");
        }
    }

    @Nested
    class Policies extends ResourceKindContract<McpPolicy> {
        @Override
        protected ResourceKind<McpPolicy> kind() {
            return new McpPolicyKind();
        }

        @Override
        protected String validValue() {
            return "{\"scope\":\"team\",\"scope_ref\":\"red\",\"allow\":[\"alpha__*\"],\"deny\":[\"alpha__drop\"],"
                    + "\"enabled\":true}";
        }

        @Override
        protected String invalidValue() {
            return "{\"scope\":\"team\",\"deny\":\"x\",\"enabled\":1}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/scope_ref", "/allow", "/deny", "/enabled");
        }
    }

    @Nested
    class AuthSettings extends ResourceKindContract<McpAuthSettings> {
        @Override
        protected ResourceKind<McpAuthSettings> kind() {
            return new McpAuthSettingsKind();
        }

        @Override
        protected String validValue() {
            return "{\"anonymous\":{\"api_key_id\":\"anon\",\"source_cidrs\":[\"10.0.0.0/8\",\"::1\"],"
                    + "\"servers\":[\"alpha\"],\"aggregate_entry\":true,\"enabled\":true},"
                    + "\"resource_url\":\"https://gw.example.com/mcp\"}";
        }

        @Override
        protected String invalidValue() {
            return "{\"anonymous\":{\"source_cidrs\":[\"not-an-ip\"],\"servers\":[],\"enabled\":\"yes\"},"
                    + "\"resource_url\":7}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/anonymous/api_key_id", "/anonymous/source_cidrs", "/anonymous/servers",
                    "/anonymous/enabled", "/resource_url");
        }
    }
}
