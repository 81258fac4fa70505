package io.aisix.kernel.resources;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One YAML document read into a JSON tree that remembers where each node came from, so errors
 * found later (by a resource kind's validator, in JSON pointers) can name a line. Jackson's tree
 * model drops token locations, hence this small builder over the streaming parser.
 *
 * <p>Every string scalar passes through {@code strings} (the {@code ${ENV}} interpolation), with
 * its pointer, so a missing variable is reported where it is used. Duplicate keys and YAML
 * aliases are errors: both make a file say something other than what it seems to say.
 */
public final class LocatedYaml {
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A line and column, both from 1; line 0 when unknown. */
    public record Location(int line, int column) {
        public static final Location UNKNOWN = new Location(0, 0);
    }

    /** A problem at a place in the document. */
    public record Problem(String path, Location location, String message) {
    }

    /** Rewrites one string scalar at a pointer; may record problems. */
    public interface Strings {
        String apply(String pointer, Location at, String value, List<Problem> problems);
    }

    /**
     * The tree (null when the document is empty or does not parse), the location of every
     * pointer (an object member's key, an array item's first token), and the problems found.
     */
    public record Document(JsonNode root, Map<String, Location> locations, List<Problem> problems) {

        /** The location of the deepest node on {@code pointer}'s path that exists in the file. */
        public Location locate(String pointer) {
            String p = pointer;
            while (true) {
                Location l = locations.get(p);
                if (l != null || p.isEmpty()) {
                    return l == null ? Location.UNKNOWN : l;
                }
                p = p.substring(0, p.lastIndexOf('/'));
            }
        }
    }

    private final Map<String, Location> locations = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();
    private final Strings strings;

    private LocatedYaml(Strings strings) {
        this.strings = strings;
    }

    public static Document read(Reader in, Strings strings) {
        LocatedYaml y = new LocatedYaml(strings);
        JsonNode root = null;
        try (JsonParser p = YAML.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first != null) {
                root = y.node(p, "");
                if (p.nextToken() != null) {
                    y.problems.add(new Problem("", location(p.currentTokenLocation()),
                            "holds more than one YAML document (one is expected)"));
                }
            }
        } catch (JsonProcessingException e) {
            y.problems.add(new Problem("", e.getLocation() == null ? Location.UNKNOWN : location(e.getLocation()),
                    "is not valid YAML: " + e.getOriginalMessage()));
            root = null;
        } catch (IOException e) {
            y.problems.add(new Problem("", Location.UNKNOWN, "cannot be read: " + e.getMessage()));
            root = null;
        }
        return new Document(root, Map.copyOf(y.locations), List.copyOf(y.problems));
    }

    /** Reads the value at the current token. */
    private JsonNode node(JsonParser p, String pointer) throws IOException {
        Location here = location(p.currentTokenLocation());
        locations.putIfAbsent(pointer, here);
        if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
            problems.add(new Problem(pointer, here, "uses a YAML alias (*" + p.getText()
                    + "); write the value out instead"));
            return NODES.nullNode();
        }
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                ObjectNode obj = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String child = pointer + "/" + name;
                    Location keyAt = location(p.currentTokenLocation());
                    p.nextToken();
                    if (obj.has(name)) {
                        problems.add(new Problem(child, keyAt, "duplicate key '" + name + "'"));
                        node(p, pointer + "/" + name + "#duplicate");
                        continue;
                    }
                    locations.put(child, keyAt);
                    obj.set(name, node(p, child));
                }
                return obj;
            }
            case START_ARRAY -> {
                ArrayNode arr = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    arr.add(node(p, pointer + "/" + arr.size()));
                }
                return arr;
            }
            case VALUE_STRING -> {
                return NODES.textNode(strings.apply(pointer, here, p.getText(), problems));
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT, LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> {
                problems.add(new Problem(pointer, here, "holds a YAML value that has no JSON form (" + t + ")"));
                p.skipChildren();
                return NODES.nullNode();
            }
        }
    }

    private static Location location(JsonLocation l) {
        return l == null || l.getLineNr() < 1 ? Location.UNKNOWN : new Location(l.getLineNr(), l.getColumnNr());
    }

    /** No rewriting: for callers that only want locations. */
    public static final Strings VERBATIM = (pointer, at, value, problems) -> value;
}
