package io.aisix.kernel.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Endpoint;
import io.aisix.spi.error.GatewayException;
import io.aisix.support.Json;
import io.aisix.support.json.JsonSkip;
import io.aisix.support.json.JsonTree;
import java.io.IOException;

/**
 * Checks a proxy request body before any filter or upstream sees it, and parses it once for the
 * chain ({@link io.aisix.support.BaseExchange#json()} then reuses the tree).
 *
 * <p>Only the endpoints with a {@link Endpoint.Body#JSON} body are checked (not {@code /passthrough/},
 * whose bodies are the upstream's business, nor multipart uploads). The body must be one JSON object in valid UTF-8 with nothing after it, nested no deeper
 * than {@code proxy.max_json_depth} and with no number longer than
 * {@code proxy.max_json_number_length}. The fields the gateway relies on must have their
 * types when present: {@code model} a non-empty string; {@code messages} an array of objects
 * (chat and its dialects such as Anthropic messages, and every plugin-contributed family such as
 * Anthropic's token count); {@code prompt} a string or an array (completions); {@code input} a
 * string or an array (embeddings, responses); {@code stream} a boolean; {@code max_tokens},
 * {@code max_completion_tokens} and {@code max_output_tokens} integers from 1 to
 * {@value #MAX_TOKENS}; {@code n} an integer from 1 to {@value #MAX_N}; {@code tools} an array of
 * objects. {@code null} is refused for {@code model}, {@code messages}, {@code prompt} and
 * {@code input}, and means "absent" for the optional ones. Anything else passes through
 * untouched, unknown fields included: the validator never rewrites the body.
 *
 * <p>Each refusal is a 400 {@code invalid_request_error} whose {@code param} names the field.
 *
 * <p>A well-formed object is read by plugin-support's {@link JsonTree} (the same tree, without
 * Jackson's tokeniser); anything it declines goes to Jackson, which gives the answer and the
 * messages it always gave.
 */
public final class RequestValidator {
    static final long MAX_TOKENS = 10_000_000L;
    static final int MAX_N = 128;

    private final ObjectMapper mapper;
    private final int maxDepth;
    private final int maxNumberLength;

    public RequestValidator(int maxDepth, int maxNumberLength) {
        this.maxDepth = maxDepth;
        this.maxNumberLength = maxNumberLength;
        JsonFactory f = Json.factory();
        f.setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .maxNumberLength(maxNumberLength)
                .build());
        this.mapper = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * The body's tree once checked; null for an empty body (the chain answers that one as it
     * always has).
     *
     * @throws GatewayException {@code invalid_request_error} naming what is wrong
     */
    public ObjectNode validate(Endpoint endpoint, byte[] body) {
        if (body.length == 0 || endpoint.body() != Endpoint.Body.JSON) {
            return null;
        }
        ObjectNode tree = tree(body);
        if (tree != null) {
            fields(endpoint, tree);
            return tree;
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (StreamConstraintsException e) {
            String what = e.getMessage() != null && e.getMessage().contains("nesting")
                    ? "nests arrays and objects deeper than proxy.max_json_depth (" + maxDepth + ")"
                    : "has a number longer than proxy.max_json_number_length (" + maxNumberLength + " characters)";
            throw GatewayException.invalidRequest("request body " + what, null);
        } catch (MismatchedInputException e) {
            if (e.getMessage() != null && e.getMessage().contains("Trailing token")) {
                throw GatewayException.invalidRequest("request body has data after its JSON object" + at(e), null);
            }
            throw GatewayException.invalidRequest("request body is not valid JSON: " + e.getOriginalMessage() + at(e),
                    null);
        } catch (JsonProcessingException e) {
            throw GatewayException.invalidRequest("request body is not valid JSON (or not UTF-8): "
                    + e.getOriginalMessage() + at(e), null);
        } catch (IOException e) {
            throw GatewayException.invalidRequest("request body could not be read", null);
        }
        if (node == null || !node.isObject()) {
            throw GatewayException.invalidRequest("request body must be a JSON object", null);
        }
        ObjectNode o = (ObjectNode) node;
        fields(endpoint, o);
        return o;
    }

    /**
     * The body's tree when it is one JSON object with nothing but white space around it, read by
     * {@link JsonTree} (equal to {@code readTree}'s, node classes included, within the same limits);
     * null for anything else, which Jackson then reads to accept it or say exactly why not (a byte
     * order mark, UTF-16, a refusal and its message): the common case skips Jackson's tokeniser.
     */
    ObjectNode tree(byte[] body) {
        int i = JsonSkip.ws(body, 0, body.length);
        if (i >= body.length || body[i] != '{') {
            return null;
        }
        try {
            JsonTree reader = new JsonTree(body, body.length, mapper.getNodeFactory(), maxDepth, maxNumberLength);
            JsonNode node = reader.value(i, 0);
            return JsonSkip.ws(body, reader.end(), body.length) == body.length ? (ObjectNode) node : null;
        } catch (JsonSkip.MalformedJsonException e) {
            return null;
        }
    }

    private static String at(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        return l == null || l.getLineNr() < 1 ? "" : " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
    }

    private static void fields(Endpoint endpoint, ObjectNode o) {
        JsonNode model = o.get("model");
        if (model != null && (!model.isTextual() || model.textValue().isEmpty())) {
            throw bad("model", "must be a non-empty string");
        }
        Endpoint family = endpoint.family();
        if (family == Endpoint.CHAT_COMPLETIONS || !family.isBuiltIn()) {
            messages(o);
        } else if (family == Endpoint.COMPLETIONS) {
            stringOrArray(o, "prompt");
        } else if (family == Endpoint.EMBEDDINGS || family == Endpoint.RESPONSES) {
            stringOrArray(o, "input");
        }
        JsonNode stream = o.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw bad("stream", "must be a boolean");
        }
        count(o, "max_tokens", MAX_TOKENS);
        count(o, "max_completion_tokens", MAX_TOKENS);
        count(o, "max_output_tokens", MAX_TOKENS);
        count(o, "n", MAX_N);
        JsonNode tools = o.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw bad("tools", "must be an array of objects");
            }
            for (JsonNode t : tools) {
                if (!t.isObject()) {
                    throw bad("tools", "must be an array of objects");
                }
            }
        }
    }

    private static void messages(ObjectNode o) {
        JsonNode m = o.get("messages");
        if (m == null) {
            return;
        }
        if (!m.isArray()) {
            throw bad("messages", "must be an array of message objects");
        }
        for (JsonNode e : m) {
            if (!e.isObject()) {
                throw bad("messages", "must be an array of message objects");
            }
        }
    }

    private static void stringOrArray(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v != null && !v.isTextual() && !v.isArray()) {
            throw bad(field, "must be a string or an array");
        }
    }

    private static void count(ObjectNode o, String field, long max) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 1 || v.longValue() > max) {
            throw bad(field, "must be an integer from 1 to " + max);
        }
    }

    private static GatewayException bad(String field, String rule) {
        return GatewayException.invalidRequest("'" + field + "' " + rule, field);
    }
}
