package io.aisix.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * An immutable, case-insensitive list of HTTP header fields. Names are stored lower-case.
 *
 * <p>Held as one flat array of name/value pairs in the order they were added: a request carries a
 * few of these with a handful of fields each, and a map with a list per name was several objects
 * per field (~7% of a proxied request's allocation). Lookups scan the pairs.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(new String[0]);

    /** Lower-case names at even indexes, each followed by its value. */
    private final String[] pairs;

    private Headers(String[] pairs) {
        this.pairs = pairs;
    }

    /** No headers; one shared instance. */
    public static Headers empty() {
        return EMPTY;
    }

    /** A new, empty builder. */
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

    /**
     * The name in lower case; itself when it already is (the usual case, without a copy: the JDK
     * returns the same string then). Every lookup and every field added asks this, and the JDK's
     * scan of the string's bytes takes half the time of a loop over {@code charAt}.
     */
    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** The first value of a field. */
    public Optional<String> first(String name) {
        String n = lower(name);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(n)) {
                return Optional.of(pairs[i + 1]);
            }
        }
        return Optional.empty();
    }

    /** Every value of a field, in the order they were added. */
    public List<String> all(String name) {
        String n = lower(name);
        List<String> values = List.of();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(n)) {
                if (values.isEmpty()) {
                    values = List.of(pairs[i + 1]);
                } else {
                    List<String> more = new ArrayList<>(values);
                    more.add(pairs[i + 1]);
                    values = more;
                }
            }
        }
        return values.size() > 1 ? Collections.unmodifiableList(values) : values;
    }

    /** Whether a field of this name is present (names compare case-insensitively). */
    public boolean contains(String name) {
        String n = lower(name);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(n)) {
                return true;
            }
        }
        return false;
    }

    /** True when there is no field at all. */
    public boolean isEmpty() {
        return pairs.length == 0;
    }

    /** How many fields there are (a field with several values counts once per value). */
    public int size() {
        return pairs.length / 2;
    }

    /**
     * The lower-case name of the {@code index}-th field, in the order they were added: with
     * {@link #value(int)}, a scan without a callback (one pass looking for several names).
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
     */
    public String name(int index) {
        return pairs[2 * Objects.checkIndex(index, pairs.length / 2)];
    }

    /**
     * The value of the {@code index}-th field.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
     */
    public String value(int index) {
        return pairs[2 * Objects.checkIndex(index, pairs.length / 2) + 1];
    }

    /** Visits every (name, value) pair in the order they were added. */
    public void forEach(BiConsumer<String, String> visitor) {
        for (int i = 0; i < pairs.length; i += 2) {
            visitor.accept(pairs[i], pairs[i + 1]);
        }
    }

    /** The fields by name (in the order names first appear), each with its values; unmodifiable. */
    public Map<String, List<String>> asMap() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            fields.computeIfAbsent(pairs[i], n -> new ArrayList<>(1)).add(pairs[i + 1]);
        }
        fields.replaceAll((n, values) -> Collections.unmodifiableList(values));
        return Collections.unmodifiableMap(fields);
    }

    /** A builder seeded with these headers. */
    public Builder toBuilder() {
        Builder b = builder();
        if (pairs.length > b.pairs.length) {
            b.pairs = new String[pairs.length];
        }
        System.arraycopy(pairs, 0, b.pairs, 0, pairs.length);
        b.size = pairs.length;
        return b;
    }

    @Override
    public String toString() {
        return asMap().keySet().toString();
    }

    /**
     * Collects header fields; {@link #set} replaces, {@link #add} appends. Fields are kept as a flat
     * list of name/value pairs until {@link #build}: a request sets a handful of headers, and a map
     * with a list per name cost a fifth of the chain's allocation.
     */
    public static final class Builder {
        private String[] pairs = new String[16];
        private int size;

        /** An empty builder, as {@link Headers#builder()} makes. */
        public Builder() {
        }

        /** Appends a value, after any the field already has; returns this builder. */
        public Builder add(String name, String value) {
            return append(lower(name), value);
        }

        /** Replaces every value of the field with {@code value}; returns this builder. */
        public Builder set(String name, String value) {
            String n = lower(name);
            return removeLower(n).append(n, value);
        }

        /** Removes every value of the field (nothing when absent); returns this builder. */
        public Builder remove(String name) {
            return removeLower(lower(name));
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

        /** Appends every field of {@code other}, as {@link #add} would; returns this builder. */
        public Builder addAll(Headers other) {
            other.forEach(this::add);
            return this;
        }

        /** True when nothing was added (or everything was removed). */
        public boolean isEmpty() {
            return size == 0;
        }

        /** How many fields there are so far (a field with several values counts once per value). */
        public int size() {
            return size / 2;
        }

        /**
         * The lower-case name of the {@code index}-th field so far, in the order they were added:
         * with {@link #value(int)}, a scan of the fields without {@link #build}'s copy.
         *
         * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
         */
        public String name(int index) {
            return pairs[2 * Objects.checkIndex(index, size / 2)];
        }

        /**
         * The value of the {@code index}-th field so far.
         *
         * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
         */
        public String value(int index) {
            return pairs[2 * Objects.checkIndex(index, size / 2) + 1];
        }

        /** The headers collected so far; the builder may go on being used without affecting them. */
        public Headers build() {
            return size == 0 ? EMPTY : new Headers(Arrays.copyOf(pairs, size));
        }
    }
}
