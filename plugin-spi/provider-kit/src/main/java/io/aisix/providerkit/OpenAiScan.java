package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.support.json.JsonSkip;
import io.aisix.support.json.JsonTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One pass over an OpenAI-shaped JSON object (a chunk or a whole answer) that finds what the
 * gateway needs without building a tree: where the top-level {@code model} value sits, whether
 * {@code choices} is empty, whether any choice has a {@code finish_reason}, the {@code usage}
 * object (the only part materialised, by {@link JsonTree}: the tree Jackson would build) and a
 * top-level {@code error}.
 *
 * <p>The pass is {@link JsonSkip}'s byte-level lexing rather than Jackson's tokeniser: Jackson
 * decodes every field name and tracks every token, which was the largest block of the gateway's
 * own CPU time per request. It still validates the whole object and refuses what Jackson 2.23
 * refuses ({@code JsonSkip} lists the rules; {@code OpenAiScanDifferentialTest} holds the two side
 * by side): nothing malformed is relayed. As with Jackson asked for tokens up to the object's end,
 * what follows the object is not read. Field names are compared as Jackson decodes them, so a
 * {@code model} whose letters are escapes is {@code model} too. Where the outcome differs from
 * Jackson's it errs on refusing: byte input Jackson would have detected as UTF-16 or UTF-32 (a NUL
 * among its first four bytes) and a {@code model} value over {@value JsonTree#MAX_STRING_LENGTH} bytes
 * (Jackson counts decoded chars, and only at its buffers' boundaries) are refused. Jackson's
 * symbol-table guard against hash flooding (too many colliding field names) has no counterpart:
 * no names are hashed here.
 *
 * <p>Text input (a stream's chunk) is scanned as its UTF-8 encoding, one vectorised copy for the
 * usual ASCII chunk; when it was not ASCII, offsets are then mapped back to chars and
 * {@code usage} is read again, by Jackson from the text itself, so that a lone surrogate (which the
 * encoding replaced by {@code ?}) reads as before.
 *
 * <p>{@link #rewriteModel} then splices the alias in with two substring copies. This is the hot
 * path of every OpenAI-family stream (one call per chunk).
 */
public final class OpenAiScan {
    private static final byte[] MODEL = {'m', 'o', 'd', 'e', 'l'};
    private static final byte[] CHOICES = {'c', 'h', 'o', 'i', 'c', 'e', 's'};
    private static final byte[] USAGE = {'u', 's', 'a', 'g', 'e'};
    private static final byte[] ERROR = {'e', 'r', 'r', 'o', 'r'};
    private static final byte[] FINISH_REASON = "finish_reason".getBytes(StandardCharsets.US_ASCII);

    private int objectStart = -1;
    private int modelStart = -1;
    private int modelEnd = -1;
    private int usageStart = -1;
    private int usageEnd = -1;
    private boolean hasChoices;
    private int choiceCount;
    private boolean finished;
    private boolean error;
    private JsonNode usage;

    private OpenAiScan() {
    }

    /**
     * Scans {@code json}.
     *
     * @throws GatewayException {@code UPSTREAM_ERROR} when it is not a JSON object
     */
    public static OpenAiScan scan(String json) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        OpenAiScan s = new OpenAiScan();
        s.scan(utf8, 0, true);
        if (utf8.length != json.length()) {
            s.objectStart = charIndex(json, s.objectStart);
            s.modelStart = charIndex(json, s.modelStart);
            s.modelEnd = charIndex(json, s.modelEnd);
            s.usageStart = charIndex(json, s.usageStart);
            s.usageEnd = charIndex(json, s.usageEnd);
        }
        if (s.usage != null && !ascii(json, s.usageStart, s.usageEnd)) {
            // the encoding replaced any lone surrogate by '?': read the usage from the text itself
            try {
                s.usage = ProviderJson.MAPPER.readTree(json.substring(s.usageStart, s.usageEnd));
            } catch (IOException e) {
                throw unreadableJson();
            }
        }
        return s;
    }

    /**
     * Scans UTF-8 {@code json} (a whole answer as it came off the wire, not decoded first); pair
     * with {@link #rewriteModel(byte[], byte[])}.
     *
     * @throws GatewayException {@code UPSTREAM_ERROR} when it is not a JSON object
     */
    public static OpenAiScan scan(byte[] json) {
        OpenAiScan s = new OpenAiScan();
        // a UTF-8 byte order mark is skipped, as Jackson's encoding detection skips it; offsets stay absolute
        boolean bom = json.length >= 4 && json[0] == (byte) 0xEF && json[1] == (byte) 0xBB && json[2] == (byte) 0xBF;
        s.scan(json, bom ? 3 : 0, false);
        return s;
    }

    private static GatewayException unreadableJson() {
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream sent unreadable JSON");
    }

    private static boolean ascii(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** The char index in {@code text} of byte {@code offset} of its UTF-8 encoding (-1 stays -1). */
    private static int charIndex(String text, int offset) {
        int bytes = 0;
        int i = 0;
        while (bytes < offset) {
            char c = text.charAt(i++);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (!Character.isSurrogate(c)) {
                bytes += 3;
            } else if (Character.isHighSurrogate(c) && i < text.length() && Character.isLowSurrogate(text.charAt(i))) {
                bytes += 4;
                i++;
            } else {
                bytes++; // a lone surrogate encodes as '?'
            }
        }
        return offset < 0 ? offset : i;
    }

    private void scan(byte[] b, int from, boolean text) {
        int end = b.length;
        int i = JsonSkip.ws(b, from, end);
        if (i >= end || b[i] != '{') {
            throw Upstreams.unreadable();
        }
        objectStart = i;
        try {
            members(b, i + 1, end, text);
        } catch (JsonSkip.MalformedJsonException e) {
            throw unreadableJson();
        }
    }

    /** The top-level object's members, from just past its brace. */
    private void members(byte[] b, int i, int end, boolean text) {
        i = JsonSkip.token(b, i, end);
        if (b[i] == '}') {
            return;
        }
        for (;;) {
            int name = i;
            int nameEnd = JsonSkip.name(b, i, end, text);
            int v = JsonSkip.colon(b, nameEnd, end);
            byte first = b[v];
            if (first == '"' && JsonSkip.nameEquals(b, name, nameEnd, MODEL)) {
                i = JsonSkip.string(b, v + 1, end);
                if (i - v - 2 > JsonTree.MAX_STRING_LENGTH) {
                    throw JsonSkip.malformed("string longer than " + JsonTree.MAX_STRING_LENGTH + " bytes", v);
                }
                modelStart = v;
                modelEnd = i;
            } else if (first == '[' && JsonSkip.nameEquals(b, name, nameEnd, CHOICES)) {
                hasChoices = true;
                i = choices(b, v + 1, end, text);
            } else if (first == '{' && JsonSkip.nameEquals(b, name, nameEnd, USAGE)) {
                JsonTree tree = new JsonTree(b, end, ProviderJson.MAPPER.getNodeFactory());
                usage = tree.value(v, 1);
                i = tree.end();
                usageStart = v;
                usageEnd = i;
            } else {
                i = JsonSkip.value(b, v, end, 1, text);
                if (JsonSkip.nameEquals(b, name, nameEnd, ERROR)) {
                    error = first != 'n'; // the value is valid, so 'n' is null
                }
            }
            i = JsonSkip.afterMember(b, i, end, '}');
            if (i < 0) {
                return;
            }
        }
    }

    /** The elements of the top-level {@code choices} array, from just past its bracket. */
    private int choices(byte[] b, int i, int end, boolean text) {
        i = JsonSkip.token(b, i, end);
        if (b[i] == ']') {
            return i + 1;
        }
        for (;;) {
            choiceCount++;
            i = b[i] == '{' ? choice(b, i + 1, end, text) : JsonSkip.value(b, i, end, 2, text);
            i = JsonSkip.afterMember(b, i, end, ']');
            if (i < 0) {
                return -i;
            }
        }
    }

    /** The members of one choice object, from just past its brace. */
    private int choice(byte[] b, int i, int end, boolean text) {
        i = JsonSkip.token(b, i, end);
        if (b[i] == '}') {
            return i + 1;
        }
        for (;;) {
            int nameEnd = JsonSkip.name(b, i, end, text);
            int v = JsonSkip.colon(b, nameEnd, end);
            if (b[v] != 'n' && JsonSkip.nameEquals(b, i, nameEnd, FINISH_REASON)) {
                finished = true;
            }
            i = JsonSkip.value(b, v, end, 3, text);
            i = JsonSkip.afterMember(b, i, end, '}');
            if (i < 0) {
                return -i;
            }
        }
    }

    /** True when the object had a {@code choices} array with at least one element. */
    public boolean hasChoice() {
        return hasChoices && choiceCount > 0;
    }

    /** True when some choice carried a non-null {@code finish_reason}. */
    public boolean finished() {
        return finished;
    }

    /** True when the object carried a non-null top-level {@code error} (an in-band stream error). */
    public boolean error() {
        return error;
    }

    /** The top-level {@code usage} object, or null when absent or null. */
    public JsonNode usage() {
        return usage;
    }

    /**
     * {@code json} with the top-level {@code model} set to {@code aliasLiteral} (an already quoted
     * JSON string); the field is added first when the object had none.
     */
    public String rewriteModel(String json, String aliasLiteral) {
        if (modelStart >= 0) {
            return new StringBuilder(json.length() + aliasLiteral.length())
                    .append(json, 0, modelStart).append(aliasLiteral).append(json, modelEnd, json.length()).toString();
        }
        int open = objectStart + 1;
        boolean empty = json.substring(open).trim().startsWith("}");
        return new StringBuilder(json.length() + aliasLiteral.length() + 10)
                .append(json, 0, open).append("\"model\":").append(aliasLiteral).append(empty ? "" : ",")
                .append(json, open, json.length()).toString();
    }

    /** {@link #rewriteModel(String, String)} on UTF-8 bytes scanned with {@link #scan(byte[])}: one copy. */
    public byte[] rewriteModel(byte[] json, byte[] aliasLiteral) {
        if (modelStart >= 0) {
            byte[] out = new byte[json.length - (modelEnd - modelStart) + aliasLiteral.length];
            System.arraycopy(json, 0, out, 0, modelStart);
            System.arraycopy(aliasLiteral, 0, out, modelStart, aliasLiteral.length);
            System.arraycopy(json, modelEnd, out, modelStart + aliasLiteral.length, json.length - modelEnd);
            return out;
        }
        int open = objectStart + 1;
        int next = open;
        while (next < json.length && (json[next] == ' ' || json[next] == '\t' || json[next] == '\n' || json[next] == '\r')) {
            next++;
        }
        boolean empty = next < json.length && json[next] == '}';
        byte[] field = ("\"model\":" + new String(aliasLiteral, StandardCharsets.UTF_8) + (empty ? "" : ","))
                .getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[json.length + field.length];
        System.arraycopy(json, 0, out, 0, open);
        System.arraycopy(field, 0, out, open, field.length);
        System.arraycopy(json, open, out, open + field.length, json.length - open);
        return out;
    }
}
