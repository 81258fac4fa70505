package io.aisix.plugin.ratelimit.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.resource.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** An in-memory {@link Exchange} for filter unit tests; {@link #complete} runs the callbacks. */
public final class FakeExchange implements Exchange {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Endpoint endpoint;
    private final Headers headers;
    private final byte[] body;
    private ObjectNode json;
    private final Map<AttrKey<?>, Object> attrs = new IdentityHashMap<>();
    private final Headers.Builder responseHeaders = Headers.builder();
    private final List<Consumer<Completion>> callbacks = new ArrayList<>();
    private String requestId = "req-1";

    public FakeExchange(Endpoint endpoint, String body, Headers headers) {
        this.endpoint = endpoint;
        this.body = body.getBytes(StandardCharsets.UTF_8);
        this.headers = headers;
    }

    @Override
    public String method() {
        return endpoint.method();
    }

    @Override
    public String path() {
        return endpoint.path();
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public Headers requestHeaders() {
        return headers;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public ObjectNode json() {
        if (json == null) {
            try {
                json = (ObjectNode) JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return json;
    }

    @Override
    public void replaceJson(ObjectNode replacement) {
        json = replacement;
    }

    @Override
    public boolean bodyModified() {
        return false;
    }

    @Override
    public Snapshot snapshot() {
        throw new UnsupportedOperationException();
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public void requestId(String id) {
        requestId = id;
    }

    @Override
    public long startNanos() {
        return 0;
    }

    @Override
    public <T> Optional<T> attr(AttrKey<T> key) {
        return Optional.ofNullable(attrs.get(key)).map(key::cast);
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
        callbacks.add(callback);
    }

    public void complete(Completion c) {
        callbacks.forEach(cb -> cb.accept(c));
        callbacks.clear();
    }

    /** A clean, delivered 200 completion. */
    public void completeOk(boolean streamed) {
        complete(new Completion(200, Optional.empty(), streamed, true, false, 0));
    }
}
