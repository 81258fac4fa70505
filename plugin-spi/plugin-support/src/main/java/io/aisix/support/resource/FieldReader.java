package io.aisix.support.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.SchemaProbe;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Reads typed fields out of a JSON object while collecting every problem with its JSON pointer,
 * so one validation pass reports all issues at once. A reader for a nested object shares the
 * issue list of its parent; call {@link #finish()} on the root to throw when anything was wrong.
 *
 * <p><b>Describing.</b> A reader made over a {@link SchemaProbe} validates nothing: each read
 * records the field's JSON Schema (type, bounds, enum, pattern, default, required) and returns a
 * placeholder, and {@link SchemaProbe#schema()} hands out the result. Running a kind's decoder over the probe
 * therefore yields the schema of exactly what that decoder accepts, so published schemas cannot
 * drift from the validator. Rules between fields go through the combinators here
 * ({@link #required}, {@link #requireAnyOf}, {@link #exactlyOneOf}, {@link #requireOneGroup},
 * {@link #requiredWhen}, {@link #forbiddenWhen}) so that they are described too; a decoder that
 * checks something with plain code and {@link #error} (a regex that must compile, names that must
 * be unique, a time zone the JDK knows) keeps that check out of the schema, which is then
 * a necessary condition but not a sufficient one. Decoders must accept the placeholders:
 * {@code ""}, empty optionals, defaults, empty lists and maps, and one element per object list.
 */
public final class FieldReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern FULL_DATE = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}$");

    private final JsonNode node;
    private final String path;
    private final List<ValidationIssue> issues;
    /** Non-null when describing: the JSON Schema of this object, filled in as fields are read. */
    private final ObjectNode schema;

    private FieldReader(JsonNode node, String path, List<ValidationIssue> issues, ObjectNode schema) {
        this.node = node;
        this.path = path;
        this.issues = issues;
        this.schema = schema;
    }

    /** A reader over a resource value, which must be a JSON object (or a {@link SchemaProbe}). */
    public static FieldReader root(JsonNode value) {
        if (value instanceof SchemaProbe probe) {
            return new FieldReader(NODES.objectNode(), "", new ArrayList<>(), probe.recording());
        }
        FieldReader r = new FieldReader(value, "", new ArrayList<>(), null);
        if (value == null || !value.isObject()) {
            r.issues.add(new ValidationIssue("", "must be a JSON object"));
        }
        return r;
    }

    /** Whether this reader describes rather than validates. */
    public boolean describing() {
        return schema != null;
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

    /** Whether the field is present and not null (always false when describing). */
    public boolean has(String field) {
        return raw(field) != null;
    }

    /** Records a problem on a field of this object (nothing when describing). */
    public void error(String field, String message) {
        if (!describing()) {
            issues.add(new ValidationIssue(field.isEmpty() ? path : at(field), message));
        }
    }

    public boolean hasErrors() {
        return !issues.isEmpty();
    }

    /** A required, non-blank string. Returns "" after recording the problem. */
    public String string(String field) {
        require(field);
        return optString(field).orElseGet(() -> {
            if (raw(field) == null) {
                error(field, "is required");
            }
            return "";
        });
    }

    /** A required, non-blank string that must match {@code regex} (a search, as in JSON Schema). */
    public String string(String field, String regex, String message) {
        require(field);
        return optString(field, regex, message).orElseGet(() -> {
            if (raw(field) == null) {
                error(field, "is required");
            }
            return "";
        });
    }

    /** A required, non-blank string of at most {@code maxLength} characters. Returns "" after recording the problem. */
    public String string(String field, int maxLength) {
        if (describing()) {
            require(field);
            property(field, text().put("maxLength", maxLength));
            return "";
        }
        String v = string(field);
        if (v.codePointCount(0, v.length()) > maxLength) {
            error(field, "must be at most " + maxLength + " characters");
            return "";
        }
        return v;
    }

    /**
     * An optional string taken as it is: unlike the other strings it may be empty or blank (a
     * literal replacement that removes what it replaces), at most {@code maxLength} characters.
     */
    public Optional<String> optLiteral(String field, int maxLength) {
        if (describing()) {
            property(field, typed("string").put("maxLength", maxLength));
            return Optional.empty();
        }
        JsonNode v = raw(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            error(field, "must be a string");
            return Optional.empty();
        }
        if (v.asText().codePointCount(0, v.asText().length()) > maxLength) {
            error(field, "must be at most " + maxLength + " characters");
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    public Optional<String> optString(String field) {
        if (describing()) {
            property(field, text());
            return Optional.empty();
        }
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

    /** An optional non-blank string that must match {@code regex} (a search, as in JSON Schema). */
    public Optional<String> optString(String field, String regex, String message) {
        if (describing()) {
            property(field, text(regex));
            return Optional.empty();
        }
        Optional<String> v = optString(field);
        if (v.isPresent() && !Pattern.compile(regex).matcher(v.get()).find()) {
            error(field, message);
            return Optional.empty();
        }
        return v;
    }

    /** An optional RFC 3339 timestamp, as text. */
    public Optional<String> timestamp(String field) {
        if (describing()) {
            property(field, text().put("format", "date-time"));
            return Optional.empty();
        }
        Optional<String> v = optString(field);
        if (v.isPresent()) {
            try {
                java.time.OffsetDateTime.parse(v.get());
            } catch (java.time.format.DateTimeParseException e) {
                error(field, "must be an RFC 3339 timestamp");
                return Optional.empty();
            }
        }
        return v;
    }

    /** A string that must be one of {@code allowed}. */
    public String oneOf(String field, String dflt, Collection<String> allowed) {
        if (describing()) {
            ObjectNode s = typed("string");
            ArrayNode e = s.putArray("enum");
            allowed.forEach(e::add);
            if (dflt != null) {
                s.put("default", dflt);
            }
            property(field, s);
            return dflt;
        }
        Optional<String> v = optString(field);
        if (v.isPresent() && !allowed.contains(v.get())) {
            error(field, "must be one of " + allowed);
            return dflt;
        }
        return v.orElse(dflt);
    }

    /** A required string that must be one of {@code allowed}. Returns "" after recording the problem. */
    public String oneOf(String field, Collection<String> allowed) {
        require(field);
        String v = oneOf(field, null, allowed);
        if (v == null) {
            if (raw(field) == null) {
                error(field, "is required");
            }
            return "";
        }
        return v;
    }

    public boolean bool(String field, boolean dflt) {
        if (describing()) {
            property(field, typed("boolean").put("default", dflt));
            return dflt;
        }
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
        return integer(field, min, Long.MAX_VALUE);
    }

    /** An optional integer in {@code [min, max]}. */
    public OptionalLong integer(String field, long min, long max) {
        if (describing()) {
            ObjectNode s = typed("integer").put("minimum", min);
            if (max != Long.MAX_VALUE) {
                s.put("maximum", max);
            }
            property(field, s);
            return OptionalLong.empty();
        }
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
        if (v.longValue() > max) {
            error(field, "must be at most " + max);
            return OptionalLong.empty();
        }
        return OptionalLong.of(v.longValue());
    }

    /** An optional number in {@code [min, max]}. */
    public OptionalDouble number(String field, double min, double max) {
        if (describing()) {
            ObjectNode s = typed("number").put("minimum", min);
            if (max != Double.MAX_VALUE) {
                s.put("maximum", max);
            }
            property(field, s);
            return OptionalDouble.empty();
        }
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
        return strings(field, dflt, null, null);
    }

    /**
     * An optional list of non-blank strings, each matching {@code regex} (a search, as in JSON
     * Schema; null for any).
     */
    public List<String> strings(String field, List<String> dflt, String regex, String message) {
        if (describing()) {
            ObjectNode item = regex == null ? text() : text(regex);
            ObjectNode s = typed("array");
            s.set("items", item);
            ArrayNode d = s.putArray("default");
            dflt.forEach(d::add);
            property(field, s);
            return dflt;
        }
        JsonNode v = raw(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isArray()) {
            error(field, "must be an array of strings");
            return dflt;
        }
        Pattern p = regex == null ? null : Pattern.compile(regex);
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual() || e.asText().isBlank()) {
                issues.add(new ValidationIssue(at(field) + "/" + i, "must be a non-empty string"));
            } else if (p != null && !p.matcher(e.asText()).find()) {
                issues.add(new ValidationIssue(at(field) + "/" + i, message));
            } else {
                out.add(e.asText());
            }
        }
        return List.copyOf(out);
    }

    /**
     * An optional list of strings, each one of {@code allowed}; {@code nonEmpty} makes a present
     * but empty list an error.
     */
    public List<String> oneOfEach(String field, Collection<String> allowed, boolean nonEmpty) {
        if (describing()) {
            ObjectNode item = typed("string");
            ArrayNode e = item.putArray("enum");
            allowed.forEach(e::add);
            property(field, array(item, nonEmpty));
            return List.of();
        }
        JsonNode v = list(field, "must be an array of strings", nonEmpty);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual() || !allowed.contains(e.asText())) {
                issues.add(new ValidationIssue(at(field) + "/" + i, "must be one of " + allowed));
            } else {
                out.add(e.asText());
            }
        }
        return List.copyOf(out);
    }

    /**
     * An optional list of calendar dates written {@code YYYY-MM-DD} (RFC 3339's full-date);
     * {@code nonEmpty} makes a present but empty list an error.
     */
    public List<java.time.LocalDate> dates(String field, boolean nonEmpty) {
        if (describing()) {
            ObjectNode item = typed("string").put("pattern", FULL_DATE.pattern()).put("format", "date");
            property(field, array(item, nonEmpty));
            return List.of();
        }
        JsonNode v = list(field, "must be an array of dates", nonEmpty);
        if (v == null) {
            return List.of();
        }
        List<java.time.LocalDate> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            java.time.LocalDate d = null;
            if (e.isTextual() && FULL_DATE.matcher(e.asText()).find()) {
                try {
                    d = java.time.LocalDate.parse(e.asText());
                } catch (java.time.format.DateTimeParseException ignored) {
                    // reported below, as any other non-date
                }
            }
            if (d == null) {
                issues.add(new ValidationIssue(at(field) + "/" + i, "must be a YYYY-MM-DD date"));
            } else {
                out.add(d);
            }
        }
        return List.copyOf(out);
    }

    /** The array under {@code field}, or null (absent, or the problem recorded). */
    private JsonNode list(String field, String notAnArray, boolean nonEmpty) {
        JsonNode v = raw(field);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            error(field, notAnArray);
            return null;
        }
        if (nonEmpty && v.isEmpty()) {
            error(field, "must not be empty");
            return null;
        }
        return v;
    }

    /** An optional list of integers in {@code [min, max]}; {@code what} names one in messages. */
    public List<Long> integers(String field, long min, long max, String what) {
        if (describing()) {
            ObjectNode s = typed("array");
            s.set("items", typed("integer").put("minimum", min).put("maximum", max));
            property(field, s);
            return List.of();
        }
        JsonNode v = raw(field);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            error(field, "must be an array of " + what + "es");
            return List.of();
        }
        List<Long> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToLong() || e.longValue() < min || e.longValue() > max) {
                issues.add(new ValidationIssue(at(field) + "/" + i, "must be " + "an " + what + " (" + min + "-" + max
                        + ")"));
            } else {
                out.add(e.longValue());
            }
        }
        return List.copyOf(out);
    }

    /** An optional object of string values (extra headers, metadata). */
    public Map<String, String> stringMap(String field) {
        return stringMap(field, null, null);
    }

    /** An optional object of string values whose names match {@code nameRegex} (null for any). */
    public Map<String, String> stringMap(String field, String nameRegex, String message) {
        if (describing()) {
            ObjectNode s = typed("object");
            s.set("additionalProperties", typed("string"));
            if (nameRegex != null) {
                s.putObject("propertyNames").put("pattern", nameRegex);
            }
            property(field, s);
            return Map.of();
        }
        JsonNode v = raw(field);
        if (v == null) {
            return Map.of();
        }
        if (!v.isObject()) {
            error(field, "must be an object of strings");
            return Map.of();
        }
        Pattern p = nameRegex == null ? null : Pattern.compile(nameRegex);
        Map<String, String> out = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> {
            if (p != null && !p.matcher(e.getKey()).find()) {
                issues.add(new ValidationIssue(at(field) + "/" + e.getKey(), message));
            } else if (!e.getValue().isTextual()) {
                issues.add(new ValidationIssue(at(field) + "/" + e.getKey(), "must be a string"));
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return Map.copyOf(out);
    }

    /** An optional object kept as it is (free-form metadata). */
    public Optional<JsonNode> anyObject(String field) {
        if (describing()) {
            property(field, typed("object"));
            return Optional.empty();
        }
        JsonNode v = raw(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            error(field, "must be an object");
            return Optional.empty();
        }
        return Optional.of(v);
    }

    /** A nested object, if present (always, when describing: its reads describe the nested schema). */
    public Optional<FieldReader> object(String field) {
        if (describing()) {
            ObjectNode s = typed("object");
            property(field, s);
            return Optional.of(new FieldReader(NODES.objectNode(), at(field), issues, s));
        }
        JsonNode v = raw(field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            error(field, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new FieldReader(v, at(field), issues, null));
    }

    /**
     * An optional object whose values are objects, by name (AISIX's per-server limit maps). When
     * describing, one reader describes every value ({@code additionalProperties}).
     */
    public Map<String, FieldReader> objectMap(String field) {
        if (describing()) {
            ObjectNode value = typed("object");
            ObjectNode s = typed("object");
            s.set("additionalProperties", value);
            property(field, s);
            return Map.of("*", new FieldReader(NODES.objectNode(), at(field) + "/*", issues, value));
        }
        JsonNode v = raw(field);
        if (v == null) {
            return Map.of();
        }
        if (!v.isObject()) {
            error(field, "must be an object");
            return Map.of();
        }
        Map<String, FieldReader> out = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isObject()) {
                issues.add(new ValidationIssue(at(field) + "/" + e.getKey(), "must be an object"));
            } else {
                out.put(e.getKey(), new FieldReader(e.getValue(), at(field) + "/" + e.getKey(), issues, null));
            }
        });
        return out;
    }

    /**
     * An array of objects; {@code required} makes an absent or empty array an error. When
     * describing, one reader describes the items.
     */
    public List<FieldReader> objects(String field, boolean required) {
        if (describing()) {
            ObjectNode item = typed("object");
            ObjectNode s = typed("array");
            s.set("items", item);
            if (required) {
                s.put("minItems", 1);
                require(field);
            }
            property(field, s);
            return List.of(new FieldReader(NODES.objectNode(), at(field) + "/0", issues, item));
        }
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
                out.add(new FieldReader(e, at(field) + "/" + i, issues, null));
            }
        }
        return out;
    }

    /**
     * At least one of {@code fields} must be present (and, for an array, not empty); otherwise
     * {@code message} is recorded on the first. The fields themselves are read separately.
     */
    public void requireAnyOf(String message, String... fields) {
        if (describing()) {
            ArrayNode anyOf = rule("anyOf");
            for (String f : fields) {
                ObjectNode present = present(f);
                ((ObjectNode) present.get("properties").get(f)).put("minItems", 1);
                anyOf.add(present);
            }
            return;
        }
        for (String f : fields) {
            JsonNode v = raw(f);
            if (v != null && !(v.isArray() && v.isEmpty())) {
                return;
            }
        }
        error(fields[0], message);
    }

    /**
     * Exactly one of two groups of fields: all of {@code whole} (each missing one is reported as
     * required, "or give" the other group), or any of {@code either} and none of {@code whole}
     * (reported on the first of {@code either} as "cannot be combined"). A model is either routing
     * or direct: {@code requireOneGroup(List.of("routing"), List.of("provider_key_id", "model_name"))}
     * with routing as {@code either}.
     */
    public void requireOneGroup(List<String> either, List<String> whole) {
        if (describing()) {
            ObjectNode first = NODES.objectNode();
            ArrayNode all = first.putArray("allOf");
            either.forEach(f -> all.add(present(f)));
            whole.forEach(f -> all.add(absent(f)));
            ObjectNode second = NODES.objectNode();
            ArrayNode all2 = second.putArray("allOf");
            whole.forEach(f -> all2.add(present(f)));
            either.forEach(f -> all2.add(absent(f)));
            rule("oneOf").add(first).add(second);
            return;
        }
        boolean anyEither = either.stream().anyMatch(f -> raw(f) != null);
        if (!anyEither) {
            for (String f : whole) {
                if (raw(f) == null) {
                    error(f, "is required (or give " + String.join("/", either) + ")");
                }
            }
        } else if (whole.stream().anyMatch(f -> raw(f) != null)) {
            error(either.get(0), "cannot be combined with " + String.join("/", whole));
        }
    }

    /** {@code field} is required when the string {@code discriminator} is one of {@code values}. */
    public void requiredWhen(String field, String discriminator, Collection<String> values) {
        if (describing()) {
            describeWhen(discriminator, values, present(field));
            return;
        }
        String d = discriminatorIn(discriminator, values);
        if (d != null && raw(field) == null) {
            error(field, "is required for " + discriminator + " " + d);
        }
    }

    /** Describes "if the string {@code discriminator} is one of {@code values}, then {@code then}". */
    private void describeWhen(String discriminator, Collection<String> values, ObjectNode then) {
        ObjectNode cond = NODES.objectNode();
        ArrayNode e = cond.putObject("properties").putObject(discriminator).putArray("enum");
        values.forEach(e::add);
        cond.putArray("required").add(discriminator);
        ObjectNode rule = NODES.objectNode();
        rule.set("if", cond);
        rule.set("then", then);
        rule("allOf").add(rule);
    }

    /** The string {@code discriminator}'s value when it is one of {@code values}, else null. */
    private String discriminatorIn(String discriminator, Collection<String> values) {
        JsonNode d = raw(discriminator);
        return d != null && d.isTextual() && values.contains(d.asText()) ? d.asText() : null;
    }

    /**
     * {@code field} is required when the string {@code discriminator} is absent (its default then
     * applies) or one of {@code values}: for a default that needs a companion field.
     */
    public void requiredUnlessOtherwise(String field, String discriminator, Collection<String> values) {
        if (describing()) {
            ObjectNode cond = NODES.objectNode();
            ArrayNode anyOf = cond.putArray("anyOf");
            anyOf.addObject().putObject("not").putArray("required").add(discriminator);
            ObjectNode listed = anyOf.addObject();
            ArrayNode e = listed.putObject("properties").putObject(discriminator).putArray("enum");
            values.forEach(e::add);
            listed.putArray("required").add(discriminator);
            ObjectNode rule = NODES.objectNode();
            rule.set("if", cond);
            rule.set("then", present(field));
            rule("allOf").add(rule);
            return;
        }
        JsonNode d = raw(discriminator);
        if ((d == null || d.isTextual() && values.contains(d.asText())) && raw(field) == null) {
            error(field, d == null ? "is required (" + discriminator + " defaults to " + values.iterator().next() + ")"
                    : "is required for " + discriminator + " " + d.asText());
        }
    }

    /** Each of {@code fields} must be present (read separately, for its type); "is required" otherwise. */
    public void required(String... fields) {
        for (String f : fields) {
            if (describing()) {
                require(f);
            } else if (raw(f) == null) {
                error(f, "is required");
            }
        }
    }

    /**
     * Exactly one of {@code fields} must be present; otherwise {@code message} is recorded on the
     * first (none given) or on the second one given. The fields themselves are read separately.
     */
    public void exactlyOneOf(String message, String... fields) {
        if (describing()) {
            ArrayNode oneOf = rule("oneOf");
            for (String f : fields) {
                oneOf.add(present(f));
            }
            return;
        }
        List<String> given = new ArrayList<>();
        for (String f : fields) {
            if (raw(f) != null) {
                given.add(f);
            }
        }
        if (given.size() != 1) {
            error(given.isEmpty() ? fields[0] : given.get(1), message);
        }
    }

    /** {@code field} must be absent when the string {@code discriminator} is one of {@code values}. */
    public void forbiddenWhen(String field, String discriminator, Collection<String> values) {
        if (describing()) {
            describeWhen(discriminator, values, absent(field));
            return;
        }
        String d = discriminatorIn(discriminator, values);
        if (d != null && raw(field) != null) {
            error(field, "is not allowed when " + discriminator + " is " + d);
        }
    }

    /**
     * A field known but accepted only unset (absent or null): one of another product's fields this
     * gateway does not support. Described as {@code null} only; {@code message} says why when set.
     */
    public void unset(String field, String message) {
        if (describing()) {
            ObjectNode s = NODES.objectNode();
            s.putArray("enum").addNull();
            property(field, s);
            return;
        }
        if (raw(field) != null) {
            error(field, message);
        }
    }

    /** Throws {@link ValidationException} when any problem was recorded. */
    public void finish() {
        if (!issues.isEmpty()) {
            throw new ValidationException(issues);
        }
    }

    // ---- describing -------------------------------------------------------------------------

    private static ObjectNode typed(String type) {
        ObjectNode s = NODES.objectNode();
        s.put("type", type);
        return s;
    }

    private static ObjectNode array(ObjectNode items, boolean nonEmpty) {
        ObjectNode s = typed("array");
        s.set("items", items);
        if (nonEmpty) {
            s.put("minItems", 1);
        }
        return s;
    }

    /** A non-blank string, the one kind of string a reader accepts. */
    private static ObjectNode text() {
        return typed("string").put("pattern", "\\S");
    }

    /** A non-blank string that also matches {@code regex}. */
    private static ObjectNode text(String regex) {
        ObjectNode s = text();
        s.putArray("allOf").addObject().put("pattern", regex);
        return s;
    }

    private void property(String field, ObjectNode s) {
        ObjectNode props = schema.has("properties") ? (ObjectNode) schema.get("properties") : schema.putObject("properties");
        if (props.get(field) instanceof ObjectNode existing) {
            // read twice (a field read for its type, then again with a pattern): the later read refines
            existing.setAll(s);
        } else {
            props.set(field, s);
        }
    }

    private void require(String field) {
        if (describing()) {
            ArrayNode req = schema.has("required") ? (ArrayNode) schema.get("required") : schema.putArray("required");
            for (JsonNode r : req) {
                if (r.asText().equals(field)) {
                    return;
                }
            }
            req.add(field);
        }
    }

    /** Adds a rule as one more element of {@code allOf}, returning the rule's own array ({@code anyOf}, ...). */
    private ArrayNode rule(String keyword) {
        ArrayNode allOf = schema.has("allOf") ? (ArrayNode) schema.get("allOf") : schema.putArray("allOf");
        if (keyword.equals("allOf")) {
            return allOf;
        }
        return allOf.addObject().putArray(keyword);
    }

    /** Present and not null: how a reader sees a field. */
    private static ObjectNode present(String field) {
        ObjectNode s = NODES.objectNode();
        s.putArray("required").add(field);
        s.putObject("properties").putObject(field).putObject("not").put("type", "null");
        return s;
    }

    private static ObjectNode absent(String field) {
        ObjectNode s = NODES.objectNode();
        s.set("not", present(field));
        return s;
    }
}
