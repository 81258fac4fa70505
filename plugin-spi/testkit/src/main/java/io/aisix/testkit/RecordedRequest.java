package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Headers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request as {@link MockUpstream} or {@link LoopbackHttpServer} received it.
 *
 * @param path     the path without the query string, percent-decoding not applied
 * @param rawQuery the query string without {@code ?} (empty when absent)
 * @param query    decoded query parameters
 * @param headers  every header field (names lower-case)
 */
public record RecordedRequest(String method, String path, String rawQuery, Map<String, List<String>> query,
                              Headers headers, byte[] body) {

    /** The first value of a header. */
    public Optional<String> header(String name) {
        return headers.first(name);
    }

    /** The first value of a query parameter. */
    public Optional<String> queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body parsed as JSON. */
    public JsonNode json() {
        try {
            return MockJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("request body is not JSON: " + bodyText(), e);
        }
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery.isEmpty() ? "" : "?" + rawQuery);
    }
}
