package io.aisix.plugin.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.resource.ValidationException;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class McpServerKindTest {
    private static final McpServerKind KIND = new McpServerKind();

    private static McpServer decode(String json) throws Exception {
        return KIND.decode("id", Json.mapper().readTree(json));
    }

    @Test
    void aisixFieldsAndDefaults() throws Exception {
        McpServer s = decode("{\"display_name\":\"gh\",\"url\":\"https://api.example.com/mcp\",\"auth_type\":\"bearer\","
                + "\"secret\":\"t\",\"type\":\"mcp\",\"transport\":\"streamable_http\",\"protocol_version\":null}");
        assertEquals("gh", s.name());
        assertEquals("bearer", s.authType());
        assertEquals(Duration.ofMillis(McpServerKind.DEFAULT_TIMEOUT_MS), s.timeout());
        assertTrue(s.enabled());
        assertTrue(s.exposes("anything"));
        McpServer k = decode("{\"name\":\"jira\",\"url\":\"http://127.0.0.1:1/mcp\",\"auth_type\":\"api_key\","
                + "\"secret\":\"k\",\"api_key_header\":\"x-token\",\"allowed_tools\":[\"get_*\"],\"timeout_ms\":1500,"
                + "\"enabled\":false}");
        assertEquals("x-token", k.authHeader());
        assertTrue(k.exposes("get_issue"));
        assertTrue(!k.exposes("delete_issue"));
        assertEquals(Duration.ofMillis(1500), k.timeout());
        assertEquals(java.util.Optional.of("jira"), KIND.uniqueName(k));
        McpServer o = decode("{\"name\":\"o\",\"url\":\"http://h/mcp\",\"auth_type\":\"oauth2\",\"secret\":\"s\","
                + "\"client_id\":\"c\",\"token_url\":\"https://idp/token\",\"scopes\":[\"a\",\"b\"]}");
        assertEquals(new McpServer.OAuth("c", "https://idp/token", List.of("a", "b")), o.oauth().orElseThrow());
        assertTrue(s.oauth().isEmpty());
        assertEquals(java.util.Set.of("secret"), KIND.secretFields());
        assertTrue(KIND.schema().isPresent());
        assertEquals(List.of("extra"), KIND.ignoredFields(Json.mapper().readTree("{\"name\":\"a\",\"extra\":1}")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"url\":\"http://h/mcp\"}| /name",
        "{\"name\":\"a\",\"display_name\":\"a\",\"url\":\"http://h/mcp\"}| /display_name",
        "{\"name\":\"a__b\",\"url\":\"http://h/mcp\"}| '__'",
        "{\"name\":\"a/b\",\"url\":\"http://h/mcp\"}| '__'",
        "{\"name\":\"a\"}| /url",
        "{\"name\":\"a\",\"url\":\"ftp://h\"}| http:// or https://",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"oauth2\",\"secret\":\"s\",\"client_id\":\"c\"}| /token_url",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"oauth2\",\"secret\":\"s\",\"token_url\":\"http://t\"}| /client_id",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"oauth2\",\"client_id\":\"c\",\"token_url\":\"http://t\"}| /secret",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"oauth2\",\"secret\":\"s\",\"client_id\":\"c\",\"token_url\":\"file:///t\"}| /token_url",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"oauth2\",\"secret\":\"s\",\"client_id\":\"c\",\"token_url\":\"http://t\",\"scopes\":\"a\"}| /scopes",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"bearer\",\"secret\":\"s\",\"client_id\":\"c\"}| only used when auth_type is oauth2",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"bearer\"}| /secret",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"api_key\"}| /secret",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"auth_type\":\"basic\"}| /auth_type",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"type\":\"openapi\",\"spec\":{}}| openapi servers are not supported",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"transport\":\"sse\"}| /transport",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"protocol_version\":\"2026-07-28\"}| /protocol_version",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"timeout_ms\":0}| /timeout_ms",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"allowed_tools\":\"x\"}| /allowed_tools",
        "{\"name\":\"a\",\"url\":\"http://h/mcp\",\"enabled\":\"yes\"}| /enabled",
    })
    void badRowsAreRefused(String row, String expected) {
        ValidationException e = assertThrows(ValidationException.class, () -> decode(row));
        assertTrue(e.issues().toString().contains(expected.strip()), e.issues().toString());
    }

    @Test
    void apiKeyMcpAccess() throws Exception {
        var k = CoreKinds.API_KEYS.decode("k", Json.mapper().readTree("{\"key_hash\":\"" + "a".repeat(64)
                + "\",\"mcp_access\":{\"allow\":[\"gh__*\"],\"deny\":[\"gh__rm\"]}}"));
        assertTrue(k.mcpAccess().orElseThrow().allows("gh__ls"));
        assertTrue(!k.mcpAccess().orElseThrow().allows("gh__rm"));
        assertThrows(ValidationException.class, () -> CoreKinds.API_KEYS.decode("k", Json.mapper().readTree(
                "{\"key_hash\":\"" + "a".repeat(64) + "\",\"mcp_access\":{\"deny\":[]}}")));
        assertThrows(ValidationException.class, () -> CoreKinds.API_KEYS.decode("k", Json.mapper().readTree(
                "{\"key_hash\":\"" + "a".repeat(64) + "\",\"mcp_access\":{\"allow\":\"*\"}}")));
        assertTrue(CoreKinds.API_KEYS.decode("k", Json.mapper().readTree("{\"key_hash\":\"" + "a".repeat(64) + "\"}"))
                .mcpAccess().isEmpty());
    }
}
