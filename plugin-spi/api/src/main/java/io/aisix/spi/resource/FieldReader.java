package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Reads typed fields out of a JSON object while collecting every problem with its JSON pointer,
 * so one validation pass reports all issues at once. A reader for a nested object shares the
 * issue list of its parent; call {@link #finish()} on the root to throw when anything was wrong.
 */
public final class FieldReader {
    private final JsonNode node;
    private final String path;
    private final List<ValidationIssue> issues;

    private FieldReader(JsonNode node, String path, List<ValidationIssue> issues) {
        this.node = node;
        this.path = path;
        this.issues = issues;
    }

    /** A reader over a resource value, which must be a JSON object. */
    public static FieldReader root(JsonNode value) {
        FieldReader r = new FieldReader(value, "", new ArrayList<>());
        if (value == null || !value.isObject()) {
            r.issues.add(new ValidationIssue("", "must be a JSON object"));
        }
        return r;
    }

    public JsonNode node() {
        return node;
    }

    public String path() {
        return path;
    }

    private String at(String field) {
        return path + "/" + field;
    }

    private JsonNode raw(String field) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    public boolean has(String field) {
        return raw(field) != null;
    }

    /** Records a problem on a field of this object. */
    public void error(String field, String message) {
        issues.add(new ValidationIssue(field.isEmpty() ? path : at(field), message));
    }

    public boolean hasErrors() {
        return !issues.isEmpty();
    }

    /** A required, non-blank string. Returns "" after recording the problem. */
    public String string(String field) {
        return optString(field).orElseGet(() -> {
            if (raw(field) == null) {
                error(field, "is required");
            }
            return "";
        });
    }

    public Optional<String> optString(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            error(field, "must be a string");
            return Optional.empty();
        }
        if (v.asText().isBlank()) {
            error(field, "must not be empty");
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    /** A string that must be one of {@code allowed}. */
    public String oneOf(String field, String dflt, Collection<String> allowed) {
        Optional<String> v = optString(field);
        if (v.isPresent() && !allowed.contains(v.get())) {
            error(field, "must be one of " + allowed);
            return dflt;
        }
        return v.orElse(dflt);
    }

    public boolean bool(String field, boolean dflt) {
        JsonNode v = raw(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            error(field, "must be a boolean");
            return dflt;
        }
        return v.booleanValue();
    }

    /** An optional integer that must be at least {@code min}. */
    public OptionalLong integer(String field, long min) {
        JsonNode v = raw(field);
        if (v == null) {
            return OptionalLong.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            error(field, "must be an integer");
            return OptionalLong.empty();
        }
        if (v.longValue() < min) {
            error(field, "must be at least " + min);
            return OptionalLong.empty();
        }
        return OptionalLong.of(v.longValue());
    }

    /** An optional number in {@code [min, max]}. */
    public OptionalDouble number(String field, double min, double max) {
        JsonNode v = raw(field);
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            error(field, "must be a number");
            return OptionalDouble.empty();
        }
        double d = v.doubleValue();
        if (d < min || d > max) {
            error(field, "must be between " + min + " and " + max);
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(d);
    }

    /** An optional list of non-blank strings. */
    public List<String> strings(String field, List<String> dflt) {
        JsonNode v = raw(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isArray()) {
            error(field, "must be an array of strings");
            return dflt;
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual() || e.asText().isBlank()) {
                issues.add(new ValidationIssue(at(field) + "/" + i, "must be a non-empty string"));
            } else {
                out.add(e.asText());
            }
        }
        return List.copyOf(out);
    }

    /** An optional object of string values (extra headers, metadata). */
    public Map<String, String> stringMap(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return Map.of();
        }
        if (!v.isObject()) {
            error(field, "must be an object of strings");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                issues.add(new ValidationIssue(at(field) + "/" + e.getKey(), "must be a string"));
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return Map.copyOf(out);
    }

    /** A nested object, if present. */
    public Optional<FieldReader> object(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            error(field, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new FieldReader(v, at(field), issues));
    }

    /** An array of objects; {@code required} makes an absent or empty array an error. */
    public List<FieldReader> objects(String field, boolean required) {
        JsonNode v = raw(field);
        if (v == null) {
            if (required) {
                error(field, "is required");
            }
            return List.of();
        }
        if (!v.isArray()) {
            error(field, "must be an array");
            return List.of();
        }
        if (required && v.isEmpty()) {
            error(field, "must not be empty");
        }
        List<FieldReader> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isObject()) {
                issues.add(new ValidationIssue(at(field) + "/" + i, "must be an object"));
            } else {
                out.add(new FieldReader(e, at(field) + "/" + i, issues));
            }
        }
        return out;
    }

    /** Throws {@link ValidationException} when any problem was recorded. */
    public void finish() {
        if (!issues.isEmpty()) {
            throw new ValidationException(issues);
        }
    }
}
