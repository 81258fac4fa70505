package io.aisix.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.BaseExchange;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

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
public final class TestExchange extends BaseExchange {
    private Completion completion;

    private TestExchange(Builder b) {
        super(b.method != null ? b.method : b.endpoint.method(), b.path != null ? b.path : b.endpoint.path(),
                b.endpoint, b.headers.build(), b.body, b.snapshot, b.requestId, System.nanoTime());
        b.attrs.forEach((k, v) -> attrUnchecked(k, v));
        if (b.upload != null) {
            upload(b.upload, b.upload.fields());
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void attrUnchecked(AttrKey<T> key, Object value) {
        attr(key, (T) value);
    }

    public static Builder builder(Endpoint endpoint) {
        return new Builder(endpoint);
    }

    /** A chat-completions exchange with this JSON body. */
    public static TestExchange chat(String json) {
        return builder(Endpoint.CHAT_COMPLETIONS).json(json).build();
    }

    /** Number of registered completion callbacks. */
    public int completionCallbacks() {
        return pendingCompletions();
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
     *
     * @throws IllegalStateException when the exchange was completed already
     */
    public void complete(Completion completion) {
        if (completed()) {
            throw new IllegalStateException("exchange already completed");
        }
        this.completion = completion;
        List<RuntimeException> failures = runCompletions(completion);
        if (!failures.isEmpty()) {
            throw failures.get(0);
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
        private io.aisix.support.MultipartUpload upload;

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

        /**
         * A streamed multipart upload, read as the kernel reads it ({@link io.aisix.support.MultipartUpload}):
         * its text fields become the JSON body, the rest stays in {@code body} until forwarded.
         */
        public Builder multipart(String contentType, java.io.InputStream body, long length) {
            headers.set("content-type", contentType);
            this.upload = io.aisix.support.MultipartUpload.read(contentType, body, length, Long.MAX_VALUE);
            return this;
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
