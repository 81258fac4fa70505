package io.aisix.kernel.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.error.GatewayException;
import io.aisix.support.Json;

/**
 * Renders a {@link GatewayException} in the OpenAI envelope
 * {@code {"error":{"message","type","code","param"}}} or, on the Anthropic endpoint, the Anthropic
 * envelope {@code {"type":"error","error":{"type","message"}}}. The only place errors become bytes.
 */
public final class ErrorRenderer {
    private static final ObjectMapper JSON = Json.mapper();

    private ErrorRenderer() {
    }

    public static byte[] render(GatewayException e, boolean anthropic) {
        ObjectNode root = JSON.createObjectNode();
        if (anthropic) {
            root.put("type", "error");
            ObjectNode err = root.putObject("error");
            err.put("type", e.code().anthropicType());
            err.put("message", e.getMessage());
        } else {
            ObjectNode err = root.putObject("error");
            err.put("message", e.getMessage());
            err.put("type", e.code().type());
            err.put("code", e.code().code());
            if (e.param().isPresent()) {
                err.put("param", e.param().get());
            } else {
                err.putNull("param");
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
