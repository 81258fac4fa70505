package io.aisix.spi;

import java.util.Objects;

/**
 * A typed key for state that travels between filters on one {@link Exchange}.
 *
 * <p>Keys compare by identity: the plugin that defines a key owns it and publishes it as a
 * constant. Two keys with the same name are still different keys.
 *
 * @param <T> the type of the value stored under this key
 */
public final class AttrKey<T> {
    private final String name;
    private final Class<T> type;

    private AttrKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** Creates a new key; call once and keep the result in a constant. */
    public static <T> AttrKey<T> of(String name, Class<T> type) {
        return new AttrKey<>(name, type);
    }

    public String name() {
        return name;
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
