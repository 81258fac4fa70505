package io.aisix.kernel.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Resources through the Admin API and calls through the proxy listener of one {@link TestGateway},
 * for plugins' end-to-end tests. Writes wait until the gateway serves them.
 */
public final class GatewayFixture {
    public static final ObjectMapper JSON = new ObjectMapper();
    public final TestGateway gw;

    public GatewayFixture(TestGateway gw) {
        this.gw = gw;
    }

    /** Creates a resource, waits until the gateway serves it, and returns its id. */
    public String create(String kind, String json) {
        HttpResponse<String> r = gw.adminCall("POST", "/admin/v1/" + kind, json);
        assertEquals(201, r.statusCode(), r.body());
        JsonNode entry = tree(r.body());
        awaitRevision(entry.path("revision").asLong());
        return entry.path("id").asText();
    }

    /** Creates or replaces a resource under a chosen id and waits until the gateway serves it. */
    public void put(String kind, String id, String json) {
        HttpResponse<String> r = gw.adminCall("PUT", "/admin/v1/" + kind + "/" + id, json);
        assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.body());
        awaitRevision(tree(r.body()).path("revision").asLong());
    }

    /**
     * A direct model {@code alias} on a provider key for the adapter {@code provider} (the key is
     * created on first use); returns the model id.
     */
    public String model(String alias, String provider) {
        JsonNode keys = tree(gw.adminCall("GET", "/admin/v1/provider_keys", null).body());
        String pk = keys.isEmpty()
                ? create("provider_keys", "{\"display_name\":\"test-pk\",\"provider\":\"" + provider + "\",\"api_key\":\"sk-upstream-secret\"}")
                : keys.get(0).path("id").asText();
        return create("models", "{\"display_name\":\"" + alias + "\",\"provider_key_id\":\"" + pk
                + "\",\"model_name\":\"upstream-" + alias + "\"}");
    }

    /** A caller key with the given plaintext; returns its id. */
    public String apiKey(String plaintext) {
        return create("api_keys", "{\"display_name\":\"" + plaintext + "\",\"key\":\"" + plaintext + "\"}");
    }

    /** Waits (bounded) until the serving snapshot reached {@code rev}, so the next request sees the write. */
    public void awaitRevision(long rev) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gw.gateway.snapshots().current() == null
                || gw.gateway.snapshots().current().snapshot().revision() < rev) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("snapshot did not reach revision " + rev);
            }
            sleep(5);
        }
    }

    public HttpResponse<String> chat(String key, String body, String... headers) {
        return post("/v1/chat/completions", key, body, headers);
    }

    public HttpResponse<String> post(String path, String key, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.proxy(path)))
                .header("authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b);
    }

    public static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The data payloads of an SSE body, without {@code [DONE]}. */
    public static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(tree(line.substring(6)));
            }
        }
        return out;
    }

    /** The concatenated {@code delta.content} of a chunk stream. */
    public static String streamedText(String sse) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : events(sse)) {
            for (JsonNode c : e.path("choices")) {
                if (c.path("delta").path("content").isTextual()) {
                    sb.append(c.path("delta").path("content").asText());
                }
            }
        }
        return sb.toString();
    }

    public static String cacheHeader(HttpResponse<?> r) {
        return r.headers().firstValue("x-aisix-cache").orElse("(none)");
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
