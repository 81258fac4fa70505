package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointRouterTest {
    static final Endpoint WIDGETS = Endpoint.builder("widgets", "PUT", "/v1/widgets").body(Endpoint.Body.RAW)
            .answer(Endpoint.Answer.FILTER).build();

    static FilterFactory contributing(String id, Endpoint... endpoints) {
        return new FilterFactory() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Stage stage() {
                return Stage.INGRESS;
            }

            @Override
            public List<Endpoint> endpoints() {
                return List.of(endpoints);
            }

            @Override
            public Optional<Filter> create(FilterContext context) {
                return Optional.empty();
            }
        };
    }

    @Test
    void builtInEndpointsAreRoutedWithoutPlugins() {
        EndpointRouter r = new EndpointRouter(List.of());
        assertSame(Endpoint.CHAT_COMPLETIONS, r.route("/v1/chat/completions"));
        assertSame(Endpoint.PASSTHROUGH, r.route("/passthrough/openai/v1/files"));
        assertNull(r.route("/passthrough/"));
        assertNull(r.route("/v1/messages"), "the Anthropic API is a plugin's");
        assertNull(r.route("/mcp"), "MCP is a plugin's");
        assertEquals(Endpoint.builtIn(), r.endpoints());
    }

    @Test
    void contributedEndpointsAreRoutedLikeBuiltInOnes() {
        EndpointRouter r = new EndpointRouter(List.of(contributing("mcp-gateway", Endpoint.MCP),
                contributing("anthropic-messages", Endpoint.MESSAGES, Endpoint.COUNT_TOKENS),
                contributing("widgets", WIDGETS)));
        assertSame(Endpoint.MCP, r.route("/mcp"));
        assertSame(Endpoint.MCP, r.route("/mcp/github"));
        assertNull(r.route("/mcp/github/tools"));
        assertSame(Endpoint.MESSAGES, r.route("/v1/messages"));
        assertSame(Endpoint.COUNT_TOKENS, r.route("/v1/messages/count_tokens"));
        assertSame(WIDGETS, r.route("/v1/widgets"));
        assertTrue(r.endpoints().containsAll(List.of(Endpoint.MCP, WIDGETS, Endpoint.CHAT_COMPLETIONS)));
    }

    @Test
    void oneValueFromSeveralFactoriesIsOneEndpoint() {
        EndpointRouter r = new EndpointRouter(List.of(contributing("mcp-gateway", Endpoint.MCP),
                contributing("mcp-audit", Endpoint.MCP)));
        assertSame(Endpoint.MCP, r.route("/mcp/github"));
        assertEquals(Endpoint.builtIn().size() + 1, r.endpoints().size());
    }

    @Test
    void aClashStopsTheGatewayNamingBothSides() {
        Endpoint otherWidgets = Endpoint.builder("widgets", "POST", "/v2/widgets").build();
        ConfigException twice = assertThrows(ConfigException.class, () -> new EndpointRouter(List.of(
                contributing("one", WIDGETS), contributing("two", otherWidgets))));
        assertTrue(twice.getMessage().contains("plugin one") && twice.getMessage().contains("plugin two"),
                twice.getMessage());
        ConfigException path = assertThrows(ConfigException.class, () -> new EndpointRouter(List.of(contributing("x",
                Endpoint.builder("my_chat", "POST", "/v1/chat/completions").build()))));
        assertTrue(path.getMessage().contains("the kernel") && path.getMessage().contains("plugin x"), path.getMessage());
        ConfigException name = assertThrows(ConfigException.class, () -> new EndpointRouter(List.of(contributing("x",
                Endpoint.builder("embeddings", "POST", "/v2/embeddings").build()))));
        assertTrue(name.getMessage().contains("embeddings"), name.getMessage());
        ConfigException passthrough = assertThrows(ConfigException.class, () -> new EndpointRouter(List.of(
                contributing("x", Endpoint.builder("mine", "*", "/mine/").match(Endpoint.Match.PREFIX)
                        .answer(Endpoint.Answer.PASSTHROUGH).build()))));
        assertTrue(passthrough.getMessage().contains("passthrough"), passthrough.getMessage());
    }
}
