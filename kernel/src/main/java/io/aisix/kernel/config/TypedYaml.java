package io.aisix.kernel.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads YAML for the startup settings with Jackson's streaming YAML parser, scalars typed the
 * YAML 1.2 way. Jackson's parser resolves plain scalars YAML 1.1-style ({@code off} is false,
 * {@code 010} is 8, {@code 0x1F} is 31, {@code 1_000} is 1000), which turns a log level
 * {@code off} into a boolean and a prefix {@code 010} into {@code "8"}; here only
 * {@code true}/{@code false} (also {@code True}, {@code TRUE}, ...) are booleans, only plain decimal
 * numbers ({@code 8080}, {@code -1}, {@code 1.5}, {@code 1e3}) are numbers, and every other plain
 * scalar is the text as written. A quoted scalar is always text. An alias ({@code *name}) reads as
 * a copy of the mapping or list its anchor ({@code &name}) marked; Jackson's parser reports no
 * anchor on a single value, so an alias of one (or of no anchor) is a syntax error rather than the
 * anchor's name as text, which is what Jackson's tree reader makes of every alias.
 */
final class TypedYaml {
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final Set<String> BOOLEANS = Set.of("true", "True", "TRUE", "false", "False", "FALSE");
    private static final Pattern INTEGER = Pattern.compile("[-+]?(0|[1-9][0-9]*)");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?((0|[1-9][0-9]*)(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");

    private TypedYaml() {
    }

    /**
     * The first document of {@code yaml}: a mapping, a list or a scalar, or {@code null} for an
     * empty document.
     *
     * @throws JsonParseException on a syntax error (its location names the line)
     */
    static JsonNode read(InputStream yaml) throws IOException {
        try (YAMLParser p = FACTORY.createParser(yaml)) {
            return read(p);
        }
    }

    /** As {@link #read(InputStream)}, from text (an environment variable's value). */
    static JsonNode read(String yaml) throws IOException {
        try (YAMLParser p = FACTORY.createParser(yaml)) {
            return read(p);
        }
    }

    private static JsonNode read(YAMLParser p) throws IOException {
        JsonToken first = p.nextToken();
        return first == null ? null : value(p, first, new HashMap<>());
    }

    private static JsonNode value(YAMLParser p, JsonToken token, Map<String, JsonNode> anchors) throws IOException {
        if (p.isCurrentAlias()) {
            JsonNode marked = anchors.get(p.getText());
            if (marked == null) {
                throw new JsonParseException(p, "alias *" + p.getText() + " refers to no anchored mapping or list "
                        + "(an anchor on a single value is not supported)");
            }
            return marked.deepCopy();
        }
        // the anchor belongs to this node: read it before the children move the parser on
        String anchor = p.getObjectId();
        JsonNode node;
        if (token == JsonToken.START_OBJECT) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                o.set(name, value(p, p.nextToken(), anchors));
            }
            node = o;
        } else if (token == JsonToken.START_ARRAY) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                a.add(value(p, t, anchors));
            }
            node = a;
        } else {
            node = scalar(token, p.getText());
        }
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    /** A scalar as YAML 1.2 types it, from Jackson's token (quoted scalars are always strings) and the text as written. */
    private static JsonNode scalar(JsonToken token, String text) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (token) {
            case VALUE_NULL -> f.nullNode();
            case VALUE_TRUE, VALUE_FALSE -> BOOLEANS.contains(text) ? f.booleanNode(token == JsonToken.VALUE_TRUE)
                    : f.textNode(text);
            case VALUE_NUMBER_INT -> INTEGER.matcher(text).matches() ? integer(text) : f.textNode(text);
            case VALUE_NUMBER_FLOAT -> DECIMAL.matcher(text).matches() ? f.numberNode(Double.parseDouble(text))
                    : f.textNode(text);
            default -> f.textNode(text);
        };
    }

    /** An integer as Jackson's tree holds it: int, long or BigInteger by size (the binder's range checks rely on it). */
    static JsonNode integer(String text) {
        BigInteger v = new BigInteger(text);
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v.bitLength() < 32) {
            return f.numberNode(v.intValue());
        }
        return v.bitLength() < 64 ? f.numberNode(v.longValue()) : f.numberNode(v);
    }
}
