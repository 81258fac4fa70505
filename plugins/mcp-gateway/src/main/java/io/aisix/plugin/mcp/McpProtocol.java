package io.aisix.plugin.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** JSON-RPC and MCP constants and message builders. */
final class McpProtocol {
    /** The MCP revisions this gateway speaks, oldest first. */
    static final List<String> SUPPORTED = List.of("2025-03-26", "2025-06-18", "2025-11-25");
    static final String LATEST = "2025-11-25";
    static final String GATEWAY_VERSION = "0.1.0";
    /** Separator of the aggregated endpoint's tool names: {@code <server>__<tool>}. */
    static final String SEPARATOR = "__";

    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;
    static final int INTERNAL_ERROR = -32603;

    private McpProtocol() {
    }

    static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode m = Json.mapper().createObjectNode().put("jsonrpc", "2.0");
        m.set("id", id);
        m.set("result", result);
        return m;
    }

    static ObjectNode error(JsonNode id, int code, String message, String reason) {
        ObjectNode m = Json.mapper().createObjectNode().put("jsonrpc", "2.0");
        m.set("id", id);
        ObjectNode e = m.putObject("error").put("code", code).put("message", message);
        if (reason != null) {
            e.putObject("data").put("reason", reason);
        }
        return m;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return Json.mapper().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
