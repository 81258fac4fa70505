package io.aisix.kernel.http;

import io.aisix.spi.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The kernel's {@link Exchange}: one per proxy request, confined to its virtual thread. */
public final class KernelExchange implements Exchange {
    private static final Logger LOG = Logger.getLogger(KernelExchange.class.getName());
    static final ObjectMapper JSON = Json.mapper();

    private final String method;
    private final String path;
    private final Endpoint endpoint;
    private final Headers requestHeaders;
    private final byte[] body;
    private final Snapshot snapshot;
    private final long startNanos;
    private final Map<AttrKey<?>, Object> attrs = new IdentityHashMap<>(16);
    private final Headers.Builder responseHeaders = Headers.builder();
    private List<Consumer<Completion>> completions;
    private ObjectNode json;
    private boolean modified;
    private String requestId;

    public KernelExchange(String method, String path, Endpoint endpoint, Headers requestHeaders, byte[] body,
                          Snapshot snapshot, String requestId, long startNanos) {
        this.method = method;
        this.path = path;
        this.endpoint = endpoint;
        this.requestHeaders = requestHeaders;
        this.body = body;
        this.snapshot = snapshot;
        this.requestId = requestId;
        this.startNanos = startNanos;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public ObjectNode json() {
        if (json == null) {
            if (body.length == 0) {
                throw GatewayException.invalidRequest("request body is required", null);
            }
            JsonNode node;
            try {
                node = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw GatewayException.invalidRequest("request body is not valid JSON: " + e.getOriginalMessage()
                        + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")",
                        null);
            } catch (IOException e) {
                throw GatewayException.invalidRequest("request body could not be read", null);
            }
            if (node == null || !node.isObject()) {
                throw GatewayException.invalidRequest("request body must be a JSON object", null);
            }
            json = (ObjectNode) node;
        }
        return json;
    }

    @Override
    public void replaceJson(ObjectNode replacement) {
        this.json = replacement;
        this.modified = true;
    }

    @Override
    public boolean bodyModified() {
        return modified;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public void requestId(String id) {
        this.requestId = id;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public <T> Optional<T> attr(AttrKey<T> key) {
        Object v = attrs.get(key);
        return v == null ? Optional.empty() : Optional.of(key.cast(v));
    }

    @Override
    public <T> void attr(AttrKey<T> key, T value) {
        attrs.put(key, value);
    }

    @Override
    public Headers.Builder responseHeaders() {
        return responseHeaders;
    }

    @Override
    public void onComplete(Consumer<Completion> callback) {
        if (completions == null) {
            completions = new ArrayList<>(4);
        }
        completions.add(callback);
    }

    /**
     * Runs the completion callbacks once; a failing callback never stops the others. The proxy
     * handler calls this after the response was written or abandoned; public so that benchmarks
     * can drive the chain end to end without a socket.
     */
    public void complete(Completion completion) {
        if (completions == null) {
            return;
        }
        List<Consumer<Completion>> list = completions;
        completions = null;
        for (Consumer<Completion> c : list) {
            try {
                c.accept(completion);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "completion callback failed for request " + requestId, e);
            }
        }
    }
}
