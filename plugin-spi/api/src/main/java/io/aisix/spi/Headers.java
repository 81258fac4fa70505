package io.aisix.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * An immutable, case-insensitive list of HTTP header fields. Names are stored lower-case.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(Map.of());

    private final Map<String, List<String>> fields;

    private Headers(Map<String, List<String>> fields) {
        this.fields = fields;
    }

    public static Headers empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Headers with the given name/value pairs. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must come in pairs");
        }
        Builder b = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    /** The first value of a field. */
    public Optional<String> first(String name) {
        List<String> values = fields.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    public List<String> all(String name) {
        return fields.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    public boolean contains(String name) {
        return fields.containsKey(name.toLowerCase(Locale.ROOT));
    }

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /** Visits every (name, value) pair in insertion order. */
    public void forEach(BiConsumer<String, String> visitor) {
        fields.forEach((name, values) -> values.forEach(v -> visitor.accept(name, v)));
    }

    public Map<String, List<String>> asMap() {
        return fields;
    }

    /** A builder seeded with these headers. */
    public Builder toBuilder() {
        Builder b = builder();
        fields.forEach((n, vs) -> vs.forEach(v -> b.add(n, v)));
        return b;
    }

    @Override
    public String toString() {
        return fields.keySet().toString();
    }

    /** Collects header fields; {@link #set} replaces, {@link #add} appends. */
    public static final class Builder {
        private final Map<String, List<String>> fields = new LinkedHashMap<>();

        public Builder add(String name, String value) {
            fields.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value);
            return this;
        }

        public Builder set(String name, String value) {
            List<String> values = new ArrayList<>(1);
            values.add(value);
            fields.put(name.toLowerCase(Locale.ROOT), values);
            return this;
        }

        public Builder remove(String name) {
            fields.remove(name.toLowerCase(Locale.ROOT));
            return this;
        }

        public Builder addAll(Headers other) {
            other.forEach(this::add);
            return this;
        }

        public boolean isEmpty() {
            return fields.isEmpty();
        }

        public Headers build() {
            if (fields.isEmpty()) {
                return EMPTY;
            }
            Map<String, List<String>> copy = new LinkedHashMap<>(fields.size() * 2);
            fields.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return new Headers(Collections.unmodifiableMap(copy));
        }
    }
}
