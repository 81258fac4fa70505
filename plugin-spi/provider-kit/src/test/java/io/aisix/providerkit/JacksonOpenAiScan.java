package io.aisix.providerkit;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.io.IOException;

/**
 * The Jackson-token-based scan that {@link OpenAiScan} replaced, kept as the oracle of
 * {@code OpenAiScanDifferentialTest}: the same results for every input, or the same refusal.
 *
 * <p>One streaming pass over an OpenAI-shaped JSON object (a chunk or a whole answer) that finds
 * what the gateway needs without building a tree: where the top-level {@code model} value sits,
 * whether {@code choices} is empty, whether any choice has a {@code finish_reason}, the
 * {@code usage} object (the only part materialised) and a top-level {@code error}. Large arrays
 * (embeddings) are skipped token by token.
 */
final class JacksonOpenAiScan {
    private int objectStart = -1;
    private int modelStart = -1;
    private int modelEnd = -1;
    private boolean hasChoices;
    private int choiceCount;
    private boolean finished;
    private boolean error;
    private JsonNode usage;

    private JacksonOpenAiScan() {
    }

    /**
     * Scans {@code json}.
     *
     * @throws GatewayException {@code UPSTREAM_ERROR} when it is not a JSON object
     */
    static JacksonOpenAiScan scan(String json) {
        try (JsonParser p = ProviderJson.FACTORY.createParser(json)) {
            return scan(p, false);
        } catch (IOException e) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream sent unreadable JSON", e);
        }
    }

    /**
     * Scans UTF-8 {@code json} (a whole answer as it came off the wire, not decoded first).
     *
     * @throws GatewayException {@code UPSTREAM_ERROR} when it is not a JSON object
     */
    static JacksonOpenAiScan scan(byte[] json) {
        try (JsonParser p = ProviderJson.FACTORY.createParser(json)) {
            return scan(p, true);
        } catch (IOException e) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream sent unreadable JSON", e);
        }
    }

    /** Offsets are in chars for text input and in bytes for byte input. */
    private static int offset(JsonLocation l, boolean bytes) {
        return (int) (bytes ? l.getByteOffset() : l.getCharOffset());
    }

    private static JacksonOpenAiScan scan(JsonParser p, boolean bytes) throws IOException {
        JacksonOpenAiScan s = new JacksonOpenAiScan();
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw Upstreams.unreadable();
        }
        s.objectStart = offset(p.currentTokenLocation(), bytes);
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "model" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        s.modelStart = offset(p.currentTokenLocation(), bytes);
                        p.finishToken();
                        s.modelEnd = offset(p.currentLocation(), bytes);
                    } else {
                        p.skipChildren();
                    }
                }
                case "choices" -> s.choices(p, v);
                case "usage" -> {
                    if (v == JsonToken.START_OBJECT) {
                        s.usage = ProviderJson.MAPPER.readTree(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "error" -> {
                    s.error = v != JsonToken.VALUE_NULL;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw Upstreams.unreadable();
        }
        return s;
    }

    private void choices(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        hasChoices = true;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw Upstreams.unreadable();
            }
            choiceCount++;
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken fv = p.nextToken();
                if (f.equals("finish_reason") && fv != JsonToken.VALUE_NULL) {
                    finished = true;
                }
                p.skipChildren();
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
     * What rewriting the top-level model to {@code alias} must give, from this scan's offsets:
     * {@code json} is the text scanned, or the bytes scanned as ISO-8859-1 (one char a byte).
     */
    String rewritten(String json, String alias) {
        if (modelStart >= 0) {
            return json.substring(0, modelStart) + alias + json.substring(modelEnd);
        }
        String rest = json.substring(objectStart + 1);
        boolean empty = rest.replaceFirst("^[ \t\r\n]*", "").startsWith("}");
        return json.substring(0, objectStart + 1) + "\"model\":" + alias + (empty ? "" : ",") + rest;
    }
}
