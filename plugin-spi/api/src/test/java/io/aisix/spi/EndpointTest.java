package io.aisix.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void mcpPathsAreTheAggregateAndOneSegmentUnderIt() {
        assertTrue(Endpoint.MCP.matches("/mcp"));
        assertTrue(Endpoint.MCP.matches("/mcp/github"));
        assertFalse(Endpoint.MCP.matches("/mcp/"));
        assertFalse(Endpoint.MCP.matches("/mcp/github/tools"));
        assertFalse(Endpoint.MCP.matches("/mcpx"));
        assertFalse(Endpoint.MCP.matches("/mcp-servers/github/mcp"));
        assertEquals("POST", Endpoint.MCP.method());
        assertSame(Endpoint.MCP, Endpoint.MCP.family());
        assertEquals(Endpoint.Answer.FILTER, Endpoint.MCP.answer());
    }

    @Test
    void passthroughIsAPrefixThatNamesARoute() {
        assertTrue(Endpoint.PASSTHROUGH.matches("/passthrough/r/x"));
        assertTrue(Endpoint.PASSTHROUGH.matches("/passthrough/r"));
        assertFalse(Endpoint.PASSTHROUGH.matches("/passthrough/"));
        assertFalse(Endpoint.PASSTHROUGH.matches("/passthrough//x"));
        assertTrue(Endpoint.PASSTHROUGH.anyMethod());
    }

    @Test
    void aDialectIsServedAsItsFamily() {
        assertSame(Endpoint.CHAT_COMPLETIONS, Endpoint.MESSAGES.family());
        assertTrue(Endpoint.MESSAGES.anthropicWire());
        assertSame(Endpoint.CHAT_COMPLETIONS, Endpoint.builder("my_chat", "POST", "/v1/my-chat")
                .family(Endpoint.MESSAGES).build().family(), "a dialect of a dialect is one of its family");
        assertFalse(Endpoint.MESSAGES.isBuiltIn());
        assertTrue(Endpoint.CHAT_COMPLETIONS.isBuiltIn());
        assertTrue(Endpoint.CHAT_COMPLETIONS.doneSentinel());
        assertTrue(Endpoint.AUDIO_TRANSCRIPTIONS.streamedUpload());
    }

    @Test
    void aContributedEndpointIsCheckedWhenBuilt() {
        Endpoint e = Endpoint.builder("widgets", "PUT", "/v1/widgets").body(Endpoint.Body.RAW).build();
        assertEquals("widgets", e.name());
        assertSame(e, e.family());
        assertEquals(Endpoint.ErrorWire.OPENAI, e.errorWire());
        assertEquals(Endpoint.Answer.PROVIDER, e.answer());
        assertTrue(e.matches("/v1/widgets"));
        assertFalse(e.matches("/v1/widgets/1"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.builder("Widgets", "PUT", "/w"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.builder("w", "put", "/w"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.builder("w", "PUT", "w"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.builder("w", "PUT", "/w/").build());
        assertThrows(IllegalArgumentException.class,
                () -> Endpoint.builder("w", "PUT", "/w").match(Endpoint.Match.PREFIX).build());
    }
}
