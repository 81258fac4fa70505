package io.aisix.kernel.http;

import io.helidon.common.GenericType;
import io.helidon.common.mapper.MapperException;
import io.helidon.common.mapper.Value;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderValues;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One response header field with one value, as the gateway sets them: the same name, value and
 * flags (neither sensitive nor changing) as {@link HeaderValues#create(HeaderName, String)}, and
 * the same bytes on the wire (Helidon's default {@link Header#writeHttp1Header}, which that value
 * uses too).
 *
 * <p>Why not that value: Helidon's single value is writable ({@code HeaderWriteable}), so the
 * response's headers store a copy of it, and the copy makes a list of the value twice when the
 * head is written: five objects per field, ~200 bytes, about ten fields per answer. This one is
 * immutable, so it is stored as it is; {@link #allValues()} makes its one-element list only when
 * asked. The conversions of {@link Value} ({@code as(...)}, {@code asInt()}, ...), which nothing
 * on the response path calls, go to Helidon's own value of the field.
 */
final class ResponseField implements Header {
    private final HeaderName name;
    private final String value;

    ResponseField(HeaderName name, String value) {
        this.name = Objects.requireNonNull(name, "HeaderName must not be null");
        this.value = Objects.requireNonNull(value, "HeaderValue must not be null");
    }

    /**
     * Helidon's value of the same field, for the conversions only: made per call, not kept, since
     * constant fields are shared by every response.
     */
    private Header helidon() {
        return HeaderValues.create(name, value);
    }

    @Override
    public String name() {
        return name.defaultCase();
    }

    @Override
    public HeaderName headerName() {
        return name;
    }

    @Override
    public String get() {
        return value;
    }

    @Override
    public String getString() {
        return value;
    }

    @Override
    public List<String> allValues() {
        return List.of(value);
    }

    @Override
    public int valueCount() {
        return 1;
    }

    @Override
    public boolean sensitive() {
        return false;
    }

    @Override
    public boolean changing() {
        return false;
    }

    @Override
    public <N> N get(Class<N> type) {
        return helidon().get(type);
    }

    @Override
    public <N> Value<N> as(Class<N> type) throws MapperException {
        return helidon().as(type);
    }

    @Override
    public <N> Value<N> as(GenericType<N> type) throws MapperException {
        return helidon().as(type);
    }

    @Override
    public <N> Value<N> as(Function<? super String, ? extends N> mapper) {
        return helidon().as(mapper);
    }

    @Override
    public Optional<String> asOptional() throws MapperException {
        return helidon().asOptional();
    }

    @Override
    public Value<Boolean> asBoolean() {
        return helidon().asBoolean();
    }

    @Override
    public Value<String> asString() {
        return helidon().asString();
    }

    @Override
    public Value<Integer> asInt() {
        return helidon().asInt();
    }

    @Override
    public Value<Long> asLong() {
        return helidon().asLong();
    }

    @Override
    public Value<Double> asDouble() {
        return helidon().asDouble();
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ResponseField f && f.name.equals(name) && f.value.equals(value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + value.hashCode();
    }

    @Override
    public String toString() {
        return helidon().toString();
    }
}
