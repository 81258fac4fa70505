package io.aisix.providerkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.support.Json;

/** The one JSON mapper of a provider plugin, and small helpers around it. */
public final class ProviderJson {
    /** Shared, thread-safe; never configure it after class initialisation. */
    public static final ObjectMapper MAPPER = Json.mapper();
    public static final JsonFactory FACTORY = MAPPER.getFactory();
    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

    private ProviderJson() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Serialises a tree; a failure here is a bug, reported as an internal error. */
    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new GatewayException(ErrorCode.INTERNAL, "could not serialise JSON", e);
        }
    }

    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new GatewayException(ErrorCode.INTERNAL, "could not serialise JSON", e);
        }
    }

    /** Appends {@code s} as a quoted JSON string literal. */
    public static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        ENCODER.quoteAsString(s, sb);
        return sb.append('"');
    }

    /** {@code s} as a quoted JSON string literal. */
    public static String quote(String s) {
        return quote(new StringBuilder(s.length() + 8), s).toString();
    }

    /** Parses one upstream event's JSON object, or fails with {@code UPSTREAM_ERROR}. */
    public static ObjectNode parseEvent(String data) {
        try {
            JsonNode n = MAPPER.readTree(data);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (JsonProcessingException e) {
            // fall through
        }
        throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream sent an unreadable stream event");
    }

    /** Copies {@code from.field} to {@code to.as} when it is a number (other values are dropped). */
    public static void copyNumber(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode v = from.get(field);
        if (v != null && v.isNumber()) {
            to.set(as, v);
        }
    }

    /** Parses a JSON text that should be an object (tool arguments); empty object when it is not. */
    public static ObjectNode parseObjectOrEmpty(String text) {
        if (text == null || text.isBlank()) {
            return object();
        }
        try {
            JsonNode n = MAPPER.readTree(text);
            return n instanceof ObjectNode o ? o : object();
        } catch (JsonProcessingException e) {
            return object();
        }
    }
}
