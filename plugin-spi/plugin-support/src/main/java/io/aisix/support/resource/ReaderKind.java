package io.aisix.support.resource;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.resource.ResourceKind;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A resource kind whose decoder reads the row with a {@link FieldReader}: a row that is not an
 * object is refused before any field is read, and every problem the reader recorded is reported
 * at once ({@link FieldReader#finish()}). Its schema is what the reader saw ({@link ResourceKind#schema()}).
 *
 * @param <T> the decoded value
 */
public abstract class ReaderKind<T> implements ResourceKind<T> {
    private final String name;
    private final Set<String> fields;
    private final Function<T, String> uniqueName;

    /**
     * @param name       the kind's store and URL name
     * @param fields     the top-level fields it reads ({@link #knownFields()})
     * @param uniqueName the value's name that must be unique within the kind, or null when none is
     */
    protected ReaderKind(String name, Set<String> fields, Function<T, String> uniqueName) {
        this.name = name;
        this.fields = Set.copyOf(fields);
        this.uniqueName = uniqueName;
    }

    /** Reads the value's fields; problems are recorded on {@code r}, not thrown. */
    protected abstract T read(String id, FieldReader r);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final T decode(String id, JsonNode value) {
        FieldReader r = FieldReader.root(value);
        if (r.hasErrors()) {
            r.finish(); // not an object: nothing to read
        }
        T decoded = read(id, r);
        r.finish();
        return decoded;
    }

    @Override
    public Optional<String> uniqueName(T value) {
        return uniqueName == null ? Optional.empty() : Optional.of(uniqueName.apply(value));
    }

    @Override
    public Set<String> knownFields() {
        return fields;
    }

    @Override
    public String toString() {
        return name;
    }
}
