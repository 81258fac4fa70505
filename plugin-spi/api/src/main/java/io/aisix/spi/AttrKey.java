package io.aisix.spi;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed key for state that travels between filters on one {@link Exchange}.
 *
 * <p>Keys compare by identity: the plugin that defines a key owns it and publishes it as a
 * constant. Two keys with the same name are still different keys.
 *
 * @param <T> the type of the value stored under this key
 */
public final class AttrKey<T> {
    private static final AtomicInteger CREATED = new AtomicInteger();

    private final String name;
    private final Class<T> type;
    private final int slot;

    private AttrKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.slot = CREATED.getAndIncrement();
    }

    /** Creates a new key; call once and keep the result in a constant. */
    public static <T> AttrKey<T> of(String name, Class<T> type) {
        return new AttrKey<>(name, type);
    }

    /** The name given to {@link #of}: for diagnostics only, since keys compare by identity. */
    public String name() {
        return name;
    }

    /**
     * This key's number: 0 for the first key made in the process, then 1, 2, ... (never reused),
     * so an exchange can hold its attributes in an array indexed by it instead of a map.
     */
    public int slot() {
        return slot;
    }

    /** Checks and casts a stored value to this key's type. */
    public T cast(Object value) {
        return type.cast(value);
    }

    @Override
    public String toString() {
        return "AttrKey[" + name + "]";
    }
}
