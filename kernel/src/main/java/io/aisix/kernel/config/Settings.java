package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Walks a bound {@link GatewayConfig} and enforces every {@link Setting}, in declaration order. */
final class Settings {
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private Settings() {
    }

    /** The config key of a record component, as the loader binds it. */
    static String key(RecordComponent c) {
        return SNAKE.translate(c.getName());
    }

    static void check(Record record, String prefix) {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            Object value = read(record, c);
            String key = prefix + key(c);
            if (value instanceof Record nested) {
                check(nested, key + ".");
                continue;
            }
            Setting s = c.getAnnotation(Setting.class);
            if (value == null || s == null) {
                continue;
            }
            if (value instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    checkValue(key + "[" + i + "]", list.get(i), s);
                }
            } else {
                checkValue(key, value, s);
            }
        }
    }

    private static void checkValue(String key, Object value, Setting s) {
        if (s.oneOf().length > 0) {
            String v = value.toString();
            boolean ok = Arrays.stream(s.oneOf()).anyMatch(a -> s.ignoreCase() ? a.equalsIgnoreCase(v) : a.equals(v));
            if (!ok) {
                throw new ConfigException(key, "must be one of " + Arrays.stream(s.oneOf()).sorted()
                        .collect(Collectors.joining(", ")) + " (got '" + v + "')");
            }
        }
        if (value instanceof Number n && n.longValue() < s.min()) {
            throw new ConfigException(key, "must be at least " + s.min());
        }
        if (!s.pattern().isEmpty() && !Pattern.compile(s.pattern()).matcher(value.toString()).find()) {
            throw new ConfigException(key, String.format(Locale.ROOT, s.patternMessage(), value));
        }
    }

    static Object read(Record record, RecordComponent c) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c, e);
        }
    }
}
