package io.aisix.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * An {@link Exchange} for unit tests: built in memory, no socket. {@link #complete} plays the
 * kernel's part at the end of a response and runs the {@link #onComplete} callbacks.
 *
 * <pre>{@code
 * TestExchange ex = TestExchange.builder(Endpoint.CHAT_COMPLETIONS)
 *         .json("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
 *         .header("authorization", "Bearer sk-test")
 *         .attr(CoreAttrs.ALIAS, "gpt")
 *         .build();
 * }</pre>
 */
public final class TestExchange implements Exchange {
    private final String method;
    private final String path;
    private final Endpoint endpoint;
    private final Headers requestHeaders;
    private final byte[] body;
    private final Snapshot snapshot;
    private final long startNanos;
    private final Map<AttrKey<?>, Object> attrs = new IdentityHashMap<>();
    private final Headers.Builder responseHeaders = Headers.builder();
    private final List<Consumer<Completion>> callbacks = new ArrayList<>();
    private String requestId;
    private ObjectNode json;
    private boolean modified;
    private Completion completion;

    private TestExchange(Builder b) {
        this.method = b.method != null ? b.method : b.endpoint.method();
        this.path = b.path != null ? b.path : b.endpoint.path();
        this.endpoint = b.endpoint;
        this.requestHeaders = b.headers.build();
        this.body = b.body;
        this.snapshot = b.snapshot;
        this.requestId = b.requestId;
        this.startNanos = System.nanoTime();
        this.attrs.putAll(b.attrs);
    }

    public static Builder builder(Endpoint endpoint) {
        return new Builder(endpoint);
    }

    /** A chat-completions exchange with this JSON body. */
    public static TestExchange chat(String json) {
        return builder(Endpoint.CHAT_COMPLETIONS).json(json).build();
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
            JsonNode n;
            try {
                n = MockJson.MAPPER.readTree(body);
            } catch (java.io.IOException e) {
                throw GatewayException.invalidRequest("request body is not valid JSON", null);
            }
            if (!(n instanceof ObjectNode o)) {
                throw GatewayException.invalidRequest("request body must be a JSON object", null);
            }
            json = o;
        }
        return json;
    }

    @Override
    public void replaceJson(ObjectNode json) {
        this.json = Objects.requireNonNull(json, "json");
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
    public void requestId(String requestId) {
        this.requestId = Objects.requireNonNull(requestId, "requestId");
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
        if (value == null) {
            attrs.remove(key);
        } else {
            attrs.put(key, key.cast(value));
        }
    }

    @Override
    public Headers.Builder responseHeaders() {
        return responseHeaders;
    }

    @Override
    public void onComplete(Consumer<Completion> callback) {
        callbacks.add(Objects.requireNonNull(callback, "callback"));
    }

    /** Number of registered completion callbacks. */
    public int completionCallbacks() {
        return callbacks.size();
    }

    /** The current body tree serialised (after any {@link #replaceJson}). */
    public String jsonText() {
        try {
            return MockJson.MAPPER.writeValueAsString(json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Ends the exchange as the kernel would: runs every callback once, in registration order; an
     * exception in one does not stop the others (the first is rethrown at the end).
     */
    public void complete(Completion completion) {
        if (this.completion != null) {
            throw new IllegalStateException("exchange already completed");
        }
        this.completion = completion;
        RuntimeException first = null;
        for (Consumer<Completion> c : callbacks) {
            try {
                c.accept(completion);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Ends the exchange as a successful, fully delivered answer. */
    public void complete(int status, boolean streamed) {
        complete(new Completion(status, Optional.empty(), streamed, true, false, System.nanoTime()));
    }

    public Optional<Completion> completion() {
        return Optional.ofNullable(completion);
    }

    /** Builds a {@link TestExchange}. */
    public static final class Builder {
        private final Endpoint endpoint;
        private String method;
        private String path;
        private final Headers.Builder headers = Headers.builder();
        private byte[] body = new byte[0];
        private Snapshot snapshot = TestSnapshot.empty();
        private String requestId = UUID.randomUUID().toString();
        private final Map<AttrKey<?>, Object> attrs = new IdentityHashMap<>();

        private Builder(Endpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        }

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder header(String name, String value) {
            headers.add(name, value);
            return this;
        }

        public Builder headers(Headers h) {
            headers.addAll(h);
            return this;
        }

        public Builder body(byte[] body) {
            this.body = body.clone();
            return this;
        }

        /** A JSON body as text (not validated here: {@link TestExchange#json()} does that). */
        public Builder json(String json) {
            this.body = json.getBytes(StandardCharsets.UTF_8);
            headers.set("content-type", "application/json");
            return this;
        }

        public Builder json(JsonNode json) {
            try {
                return json(MockJson.MAPPER.writeValueAsString(json));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(e);
            }
        }

        public Builder snapshot(Snapshot snapshot) {
            this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
            return this;
        }

        public Builder requestId(String requestId) {
            this.requestId = Objects.requireNonNull(requestId, "requestId");
            return this;
        }

        public <T> Builder attr(AttrKey<T> key, T value) {
            attrs.put(key, key.cast(value));
            return this;
        }

        public TestExchange build() {
            return new TestExchange(this);
        }
    }
}
