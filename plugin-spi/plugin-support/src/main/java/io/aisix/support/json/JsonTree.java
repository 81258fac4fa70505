package io.aisix.support.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds a Jackson tree from UTF-8 bytes with {@link JsonSkip}'s checks: the same tree
 * {@code ObjectMapper.readTree} builds with default features ({@code equals} and node classes
 * alike: an integer that fits an {@code int} is an {@code IntNode}, one that fits a {@code long}
 * a {@code LongNode}, any other a {@code BigIntegerNode}; every number with a fraction or an
 * exponent a {@code DoubleNode} of {@link Double#parseDouble}; a repeated field name keeps its
 * first place and its last value), and the same refusals, for a value inside a document that
 * {@code JsonSkip} lexes. A string longer than {@value #MAX_STRING_LENGTH} bytes as written is
 * refused (Jackson refuses one over that many chars once decoded, checked at its buffers'
 * boundaries: this errs on refusing).
 *
 * <p>One reader per value read; {@link #end()} then says where the value ended.
 */
public final class JsonTree {
    /** {@code StreamReadConstraints.DEFAULT_MAX_STRING_LEN}, here in bytes as written. */
    public static final int MAX_STRING_LENGTH = 20_000_000;
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final int MAX_CACHED_NAME = 32;
    private static final Name[] NAMES = new Name[512];

    private final byte[] b;
    private final int limit;
    private final JsonNodeFactory nodes;
    private final int maxDepth;
    private final int maxNumberLength;
    private int end;

    /**
     * A reader of {@code b} up to {@code limit} that makes its nodes with {@code nodes}, within
     * Jackson's default limits ({@link JsonSkip#MAX_DEPTH}, {@link JsonSkip#MAX_NUMBER_LENGTH}).
     */
    public JsonTree(byte[] b, int limit, JsonNodeFactory nodes) {
        this(b, limit, nodes, JsonSkip.MAX_DEPTH, JsonSkip.MAX_NUMBER_LENGTH);
    }

    /** A reader with the nesting and number-length limits of a configured {@code StreamReadConstraints}. */
    public JsonTree(byte[] b, int limit, JsonNodeFactory nodes, int maxDepth, int maxNumberLength) {
        this.b = b;
        this.limit = limit;
        this.nodes = nodes;
        this.maxDepth = maxDepth;
        this.maxNumberLength = maxNumberLength;
    }

    /** Where the last value read ended: the position just past it. */
    public int end() {
        return end;
    }

    /**
     * The value whose first byte is at {@code i}, inside containers nested {@code depth} deep (as
     * for {@link JsonSkip#value}).
     *
     * @throws JsonSkip.MalformedJsonException when it is not valid JSON
     */
    public JsonNode value(int i, int depth) {
        if (i >= limit) {
            throw JsonSkip.malformed("unexpected end of input, expected a value", i);
        }
        return switch (b[i]) {
            case '"' -> {
                end = JsonSkip.string(b, i + 1, limit);
                yield nodes.textNode(decode(i + 1, end - 1));
            }
            case '{' -> object(i + 1, depth + 1);
            case '[' -> array(i + 1, depth + 1);
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> number(i);
            default -> {
                end = JsonSkip.value(b, i, limit, depth, false); // a literal, or refused
                yield b[i] == 'n' ? nodes.nullNode() : nodes.booleanNode(b[i] == 't');
            }
        };
    }

    private ObjectNode object(int i, int depth) {
        JsonSkip.depth(depth, i - 1, maxDepth);
        ObjectNode o = nodes.objectNode();
        i = JsonSkip.token(b, i, limit);
        if (b[i] == '}') {
            end = i + 1;
            return o;
        }
        for (;;) {
            end = JsonSkip.name(b, i, limit, false);
            String name = name(i + 1, end - 1);
            JsonNode v = value(JsonSkip.colon(b, end, limit), depth);
            o.set(name, v);
            i = JsonSkip.afterMember(b, end, limit, '}');
            if (i < 0) {
                end = -i;
                return o;
            }
        }
    }

    private ArrayNode array(int i, int depth) {
        JsonSkip.depth(depth, i - 1, maxDepth);
        ArrayNode a = nodes.arrayNode();
        i = JsonSkip.token(b, i, limit);
        if (b[i] == ']') {
            end = i + 1;
            return a;
        }
        for (;;) {
            a.add(value(i, depth));
            i = JsonSkip.afterMember(b, end, limit, ']');
            if (i < 0) {
                end = -i;
                return a;
            }
        }
    }

    private JsonNode number(int i) {
        end = JsonSkip.number(b, i, limit, maxNumberLength);
        boolean integral = true;
        for (int k = i; k < end; k++) {
            byte c = b[k];
            if (c == '.' || c == 'e' || c == 'E') {
                integral = false;
                break;
            }
        }
        if (!integral) {
            return nodes.numberNode(Double.parseDouble(new String(b, i, end - i, StandardCharsets.ISO_8859_1)));
        }
        int digits = end - i - (b[i] == '-' ? 1 : 0);
        if (digits <= 18) {
            long v = 0;
            for (int k = end - digits; k < end; k++) {
                v = v * 10 + (b[k] - '0');
            }
            v = b[i] == '-' ? -v : v;
            return v == (int) v ? nodes.numberNode((int) v) : nodes.numberNode(v);
        }
        BigInteger v = new BigInteger(new String(b, i, end - i, StandardCharsets.ISO_8859_1));
        return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0
                ? nodes.numberNode(v.longValue()) : nodes.numberNode(v);
    }

    /**
     * A checked field name written in {@code b[from, to)}: a short plain ASCII one from a small
     * process-wide cache (the same few names come in every request and answer; Jackson keeps
     * them in its symbol table for the same reason), any other decoded.
     */
    private String name(int from, int to) {
        int length = to - from;
        if (length > MAX_CACHED_NAME) {
            return decode(from, to);
        }
        int h = length;
        for (int k = from; k < to; k++) {
            byte c = b[k];
            if (c == '\\' || c < 0) {
                return decode(from, to);
            }
            h = 31 * h + c;
        }
        int slot = (h ^ h >>> 16) & (NAMES.length - 1);
        Name n = NAMES[slot];
        if (n != null && Arrays.equals(n.bytes, 0, n.bytes.length, b, from, to)) {
            return n.text;
        }
        String text = new String(b, from, length, StandardCharsets.ISO_8859_1);
        // a racy write of an immutable entry: a reader sees the old entry, this one or none
        NAMES[slot] = new Name(Arrays.copyOfRange(b, from, to), text);
        return text;
    }

    private record Name(byte[] bytes, String text) {
    }

    /** The checked string (or field name) written in {@code b[from, to)}, decoded. */
    private String decode(int from, int to) {
        if (to - from > MAX_STRING_LENGTH) {
            throw JsonSkip.malformed("string longer than " + MAX_STRING_LENGTH + " bytes", from);
        }
        boolean ascii = true;
        for (int k = from; k < to; k++) {
            byte c = b[k];
            if (c == '\\') {
                return unescape(from, to);
            }
            ascii &= c >= 0;
        }
        return new String(b, from, to - from, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    /** A checked string's content with escapes, decoded (its UTF-8 is well-formed). */
    private String unescape(int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        int k = from;
        while (k < to) {
            if (b[k] != '\\') {
                k++;
                continue;
            }
            sb.append(new String(b, run, k - run, StandardCharsets.UTF_8));
            char c = (char) b[k + 1];
            k += 2;
            switch (c) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(new String(b, k, 4, StandardCharsets.ISO_8859_1), 16));
                    k += 4;
                }
                default -> sb.append(c); // '"', '\\', '/'
            }
            run = k;
        }
        return sb.append(new String(b, run, to - run, StandardCharsets.UTF_8)).toString();
    }
}
