package io.aisix.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void mcpPathsAreTheAggregateAndOneSegmentUnderIt() {
        assertEquals(Optional.of(Endpoint.MCP), Endpoint.forPath("/mcp"));
        assertEquals(Optional.of(Endpoint.MCP), Endpoint.forPath("/mcp/github"));
        assertEquals(Optional.empty(), Endpoint.forPath("/mcp/"));
        assertEquals(Optional.empty(), Endpoint.forPath("/mcp/github/tools"));
        assertEquals(Optional.empty(), Endpoint.forPath("/mcpx"));
        assertEquals(Optional.empty(), Endpoint.forPath("/mcp-servers/github/mcp"));
        assertEquals("POST", Endpoint.MCP.method());
        assertEquals(Endpoint.MCP, Endpoint.MCP.family());
    }

    @Test
    void otherPathsAreUnchanged() {
        assertEquals(Optional.of(Endpoint.CHAT_COMPLETIONS), Endpoint.forPath("/v1/chat/completions"));
        assertEquals(Optional.of(Endpoint.PASSTHROUGH), Endpoint.forPath("/passthrough/r/x"));
        assertEquals(Optional.empty(), Endpoint.forPath("/passthrough/"));
    }
}
