package io.aisix.spi;

import java.util.ArrayList;
import java.util.Arrays;
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

    /**
     * Collects header fields; {@link #set} replaces, {@link #add} appends. Fields are kept as a flat
     * list of name/value pairs until {@link #build}: a request sets a handful of headers, and a map
     * with a list per name cost a fifth of the chain's allocation.
     */
    public static final class Builder {
        private String[] pairs = new String[16];
        private int size;

        public Builder add(String name, String value) {
            return append(name.toLowerCase(Locale.ROOT), value);
        }

        public Builder set(String name, String value) {
            String n = name.toLowerCase(Locale.ROOT);
            return removeLower(n).append(n, value);
        }

        public Builder remove(String name) {
            return removeLower(name.toLowerCase(Locale.ROOT));
        }

        private Builder append(String lowerName, String value) {
            if (size == pairs.length) {
                pairs = Arrays.copyOf(pairs, size * 2);
            }
            pairs[size++] = lowerName;
            pairs[size++] = value;
            return this;
        }

        private Builder removeLower(String n) {
            int kept = 0;
            for (int i = 0; i < size; i += 2) {
                if (!pairs[i].equals(n)) {
                    pairs[kept++] = pairs[i];
                    pairs[kept++] = pairs[i + 1];
                }
            }
            Arrays.fill(pairs, kept, size, null);
            size = kept;
            return this;
        }

        public Builder addAll(Headers other) {
            other.forEach(this::add);
            return this;
        }

        public boolean isEmpty() {
            return size == 0;
        }

        public Headers build() {
            if (size == 0) {
                return EMPTY;
            }
            Map<String, List<String>> fields = new LinkedHashMap<>(size);
            for (int i = 0; i < size; i += 2) {
                String name = pairs[i];
                List<String> prior = fields.get(name);
                if (prior == null) {
                    fields.put(name, List.of(pairs[i + 1]));
                } else {
                    List<String> more = new ArrayList<>(prior.size() + 1);
                    more.addAll(prior);
                    more.add(pairs[i + 1]);
                    fields.put(name, Collections.unmodifiableList(more));
                }
            }
            return new Headers(Collections.unmodifiableMap(fields));
        }
    }
}
