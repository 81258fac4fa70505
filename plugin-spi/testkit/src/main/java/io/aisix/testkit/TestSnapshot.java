package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable {@link Snapshot} for unit tests, built from decoded resource values per
 * {@link ResourceKind} (kinds are matched by {@link ResourceKind#name()}).
 *
 * <pre>{@code
 * Snapshot s = TestSnapshot.builder()
 *         .decode(CoreKinds.PROVIDER_KEYS, "pk1", "{\"display_name\":\"k\",\"provider\":\"openai\",\"api_key\":\"sk-x\"}")
 *         .put(CoreKinds.MODELS, "m1", model)
 *         .build();
 * }</pre>
 */
public final class TestSnapshot implements Snapshot {
    private static final TestSnapshot EMPTY = new TestSnapshot(0, Instant.EPOCH, Map.of());

    private final long revision;
    private final Instant builtAt;
    private final Map<String, Map<String, Object>> byKind;

    private TestSnapshot(long revision, Instant builtAt, Map<String, Map<String, Object>> byKind) {
        this.revision = revision;
        this.builtAt = builtAt;
        this.byKind = byKind;
    }

    public static TestSnapshot empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public Instant builtAt() {
        return builtAt;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> all(ResourceKind<T> kind) {
        return (Map<String, T>) (Map<String, ?>) byKind.getOrDefault(kind.name(), Map.of());
    }

    /** Collects resources; {@link #build()} freezes them. */
    public static final class Builder {
        private long revision = 1;
        private Instant builtAt = Instant.now();
        private final Map<String, Map<String, Object>> byKind = new HashMap<>();

        public Builder revision(long revision) {
            this.revision = revision;
            return this;
        }

        public Builder builtAt(Instant builtAt) {
            this.builtAt = Objects.requireNonNull(builtAt, "builtAt");
            return this;
        }

        /** Adds an already decoded value. */
        public <T> Builder put(ResourceKind<T> kind, String id, T value) {
            byKind.computeIfAbsent(kind.name(), k -> new TreeMap<>()).put(id, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Decodes a stored JSON value with the kind's own validator and adds it. */
        public <T> Builder decode(ResourceKind<T> kind, String id, JsonNode value) {
            return put(kind, id, kind.decode(id, value));
        }

        /** Decodes a stored JSON value given as text. */
        public <T> Builder decode(ResourceKind<T> kind, String id, String json) {
            try {
                return decode(kind, id, MockJson.MAPPER.readTree(json));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public TestSnapshot build() {
            Map<String, Map<String, Object>> frozen = new HashMap<>();
            byKind.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
            return new TestSnapshot(revision, builtAt, Map.copyOf(frozen));
        }
    }
}
