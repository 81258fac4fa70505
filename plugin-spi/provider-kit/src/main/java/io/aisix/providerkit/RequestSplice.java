package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * The upstream body of an OpenAI-wire request built from the caller's bytes instead of the tree:
 * the top-level {@code model} value replaced, and for a stream optionally
 * {@code "stream_options":{"include_usage":true}} appended as the last member. Serialising the
 * tree again through databind was most of the request's Jackson work.
 *
 * <p>Only for a body no filter changed ({@code Exchange.bodyModified()} false), whose tree was
 * parsed from exactly these bytes. It answers {@code null}, and the caller serialises the tree,
 * whenever the bytes could mean something other than the tree: anything but whitespace around
 * the root object (a byte order mark, trailing content Jackson ignored), no top-level
 * {@code model} written plainly with a string value, or a duplicate key at any depth (the tree
 * kept the last one, which is what the guardrails inspected; an upstream that keeps the first
 * must not see the other). Duplicates are found by counting the members in the bytes (a colon
 * outside a string is one member) against the tree's.
 *
 * <p>The scan relies on the bytes being valid JSON up to the root's end, which the tree's parse
 * proved; it only tracks strings, nesting and the top level's keys.
 */
final class RequestSplice {
    private static final byte[] MODEL = "model".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STREAM_USAGE = ",\"stream_options\":{\"include_usage\":true}"
            .getBytes(StandardCharsets.US_ASCII);

    private RequestSplice() {
    }

    /**
     * {@code body} with the top-level {@code model} value set to {@code modelLiteral} (a quoted
     * JSON string) and, when {@code addStreamUsage}, the stream-usage member appended; or
     * {@code null} when the bytes do not match {@code tree} closely enough for that.
     */
    static byte[] splice(byte[] body, JsonNode tree, byte[] modelLiteral, boolean addStreamUsage) {
        int n = body.length;
        int depth = 0;
        int members = 0;
        int close = -1;
        int modelStart = -1;
        int modelEnd = -1;
        boolean key = false;          // the next string at depth 1 is a key
        boolean modelKey = false;     // the last key at depth 1 was "model"
        boolean modelValue = false;   // the next value at depth 1 is model's
        for (int i = 0; i < n; i++) {
            byte b = body[i];
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                continue;
            }
            if (depth == 0 && (close >= 0 || b != '{')) {
                return null;          // a non-object root, a byte order mark, content after the root
            }
            if (modelValue) {
                if (b != '"') {
                    return null;      // a model that is not a string: the tree path replaces it
                }
                modelValue = false;
                modelStart = i;
                i = stringEnd(body, i);
                if (i < 0) {
                    return null;
                }
                modelEnd = i + 1;
                continue;
            }
            switch (b) {
                case '"' -> {
                    int end = stringEnd(body, i);
                    if (end < 0) {
                        return null;
                    }
                    if (depth == 1 && key) {
                        key = false;
                        modelKey = isModel(body, i + 1, end);
                        if (modelKey && modelStart >= 0) {
                            return null;  // a second model key
                        }
                    }
                    i = end;
                }
                case '{' -> {
                    depth++;
                    key = depth == 1;
                }
                case '[' -> depth++;
                case '}', ']' -> {
                    depth--;
                    if (depth == 0) {
                        close = i;
                    }
                }
                case ':' -> {
                    members++;
                    if (depth == 1) {
                        modelValue = modelKey;
                        modelKey = false;
                    }
                }
                case ',' -> key = depth == 1;
                default -> {
                    if ((b & 0x80) != 0) {
                        return null;  // outside a string: not JSON
                    }
                }
            }
        }
        if (close < 0 || modelEnd < 0 || members != members(tree)) {
            return null;
        }
        int extra = addStreamUsage ? STREAM_USAGE.length : 0;
        byte[] out = new byte[n - (modelEnd - modelStart) + modelLiteral.length + extra];
        System.arraycopy(body, 0, out, 0, modelStart);
        int at = modelStart;
        System.arraycopy(modelLiteral, 0, out, at, modelLiteral.length);
        at += modelLiteral.length;
        System.arraycopy(body, modelEnd, out, at, close - modelEnd);
        at += close - modelEnd;
        if (addStreamUsage) {
            System.arraycopy(STREAM_USAGE, 0, out, at, extra);
            at += extra;
        }
        System.arraycopy(body, close, out, at, n - close);
        return out;
    }

    /** The index of the quote closing the string that opens at {@code open}, or -1. */
    private static int stringEnd(byte[] b, int open) {
        for (int i = open + 1; i < b.length; i++) {
            if (b[i] == '\\') {
                i++;
            } else if (b[i] == '"') {
                return i;
            }
        }
        return -1;
    }

    /** True when {@code b[from, to)} is {@code model} as written (an escaped spelling is not). */
    private static boolean isModel(byte[] b, int from, int to) {
        if (to - from != MODEL.length) {
            return false;
        }
        for (int i = 0; i < MODEL.length; i++) {
            if (b[from + i] != MODEL[i]) {
                return false;
            }
        }
        return true;
    }

    /** The members of every object in {@code node}, the nested ones included. */
    static int members(JsonNode node) {
        int count = node.isObject() ? node.size() : 0;
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                if (child.isContainerNode()) {
                    count += members(child);
                }
            }
        }
        return count;
    }
}
