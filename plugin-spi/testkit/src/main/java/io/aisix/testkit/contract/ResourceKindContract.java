package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@link ResourceKind} contract as tests. A plugin's test extends this class with its kind, a
 * valid stored value and an invalid one with the JSON pointer of each of its problems; JUnit runs
 * the checks:
 *
 * <ul>
 *   <li>the kind is declared in {@code META-INF/services/io.aisix.spi.resource.ResourceKind} and
 *       its name is a store name ({@code lower_snake_case});</li>
 *   <li>the valid value decodes, twice alike;</li>
 *   <li>{@link ResourceKind#decode} reports <em>every</em> problem of the invalid value, each with
 *       a JSON pointer, in one {@link ValidationException}; a value that is not an object (a
 *       string, an array, null) is a {@code ValidationException} too, never another exception;</li>
 *   <li>the schema is published: {@link ResourceKind#schema} is present, titled with the name,
 *       and describes every field of the valid value and every {@link ResourceKind#knownFields
 *       known} and secret field (at the top, or under a rule of its {@code allOf} for a field of
 *       one sub-kind only: {@code if kind is ... then});</li>
 *   <li>secrets stay secret: {@link ResourceKind#secretFields secret fields} are text (what the
 *       Admin API masks) and {@link ResourceKind#secretMaps secret maps} objects in the valid
 *       value, which must give one of them a value; the decoded value's {@code toString} (what
 *       ends up in a log line) and the validation messages never contain a secret's value.</li>
 * </ul>
 *
 * @param <T> the kind's decoded value
 */
public abstract class ResourceKindContract<T> {
    private static final Pattern STORE_NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The kind, as {@link java.util.ServiceLoader} makes it. */
    protected abstract ResourceKind<T> kind();

    /** A valid stored value, as JSON text; give its secret fields a value, so their masking is checked. */
    protected abstract String validValue();

    /** A stored value with several problems, as JSON text. */
    protected abstract String invalidValue();

    /** The JSON pointer of every problem of {@link #invalidValue} (for example {@code /max_usd}). */
    protected abstract Set<String> invalidPaths();

    @Test
    public void registeredForServiceLoaderUnderAStoreName() {
        ResourceKind<T> kind = kind();
        assertTrue(STORE_NAME.matcher(kind.name()).matches(), "name '" + kind.name() + "' is not lower_snake_case");
        Checks.assertRegistered(ResourceKind.class, kind.getClass());
    }

    @Test
    public void theValidValueDecodesAlikeEveryTime() {
        T first = decodeValid();
        T second = decodeValid();
        assertEquals(String.valueOf(first), String.valueOf(second), "decode twice of the same value");
    }

    @Test
    public void decodeReportsEveryProblemWithAJsonPointer() {
        ValidationException e = expectInvalid(parse(invalidValue()));
        TreeSet<String> reported = new TreeSet<>();
        for (ValidationIssue issue : e.issues()) {
            assertTrue(issue.path().isEmpty() || issue.path().startsWith("/"), "not a JSON pointer: " + issue);
            assertFalse(issue.message() == null || issue.message().isBlank(), "an issue without a message at " + issue.path());
            reported.add(issue.path());
        }
        assertTrue(reported.containsAll(invalidPaths()), "decode must report every problem at once: expected "
                + new TreeSet<>(invalidPaths()) + ", reported " + reported);
    }

    @Test
    public void aValueThatIsNotAnObjectIsAValidationProblem() {
        JsonNodeFactory n = JsonNodeFactory.instance;
        for (JsonNode value : List.of(n.textNode("x"), n.arrayNode(), n.nullNode(), n.numberNode(1))) {
            expectInvalid(value);
        }
    }

    @Test
    public void theSchemaIsPublished() {
        ResourceKind<T> kind = kind();
        ObjectNode schema = kind.schema().orElseThrow(() -> new AssertionError("schema() is empty: read the value "
                + "with a FieldReader, or override schema()"));
        assertEquals(kind.name(), schema.path("title").asText(), "the schema's title");
        JsonNode top = schema.path("properties");
        assertTrue(top.isObject() && !top.isEmpty(), "the schema has no properties: " + schema);
        Set<String> described = new TreeSet<>();
        parse(validValue()).fieldNames().forEachRemaining(described::add);
        described.addAll(kind.knownFields());
        described.addAll(kind.secretFields());
        described.addAll(kind.secretMaps());
        described.removeAll(kind.ignoredFields(parse(validValue())));
        Set<String> properties = new TreeSet<>();
        schema.path("properties").fieldNames().forEachRemaining(properties::add);
        // a sub-kind's own field (a guardrail kind's, an exporter kind's), under "if kind is ... then"
        schema.path("allOf").forEach(rule -> rule.path("then").path("properties").fieldNames()
                .forEachRemaining(properties::add));
        for (String field : described) {
            assertTrue(properties.contains(field), "the schema does not describe '" + field + "': " + schema);
        }
    }

    @Test
    public void secretsNeverAppearInTheDecodedValueOrItsProblems() {
        ObjectNode valid = (ObjectNode) parse(validValue());
        for (String f : kind().secretFields()) {
            assertTrue(!valid.has(f) || valid.get(f).isTextual(), "secret field '" + f + "' is not text in "
                    + "validValue(): only text is masked (declare a map of secrets in secretMaps())");
        }
        for (String f : kind().secretMaps()) {
            assertTrue(!valid.has(f) || valid.get(f).isObject(), "secret map '" + f + "' is not an object in validValue()");
        }
        List<String> secrets = kind().secretFields().stream().filter(f -> valid.path(f).isTextual())
                .map(f -> valid.get(f).asText()).filter(s -> !s.isEmpty()).toList();
        assertTrue(kind().secretFields().isEmpty() || !secrets.isEmpty(),
                "validValue() gives none of the secret fields " + kind().secretFields() + " a value, so their "
                        + "secrecy goes unchecked");
        String printed = String.valueOf(decodeValid());
        for (String secret : secrets) {
            assertFalse(printed.contains(secret), "the decoded value prints a secret (toString ends up in logs): "
                    + printed);
        }
        // the invalid value's problems next to the valid secrets: no message may quote one
        ObjectNode broken = valid.deepCopy();
        ((ObjectNode) parse(invalidValue())).properties().forEach(e -> broken.set(e.getKey(), e.getValue()));
        for (String f : kind().secretFields()) {
            if (valid.has(f)) {
                broken.set(f, valid.get(f));
            }
        }
        try {
            kind().decode("contract", broken);
        } catch (ValidationException e) {
            for (String secret : secrets) {
                assertFalse(e.getMessage().contains(secret) || e.issues().toString().contains(secret),
                        "a validation message repeats a secret: " + e.issues());
            }
        }
    }

    private T decodeValid() {
        try {
            return kind().decode("contract", parse(validValue()));
        } catch (ValidationException e) {
            throw new AssertionError("validValue() does not decode: " + e.issues(), e);
        }
    }

    private ValidationException expectInvalid(JsonNode value) {
        try {
            kind().decode("contract", value);
        } catch (ValidationException e) {
            return e;
        } catch (RuntimeException e) {
            throw new AssertionError("decode threw " + e + " for " + value + ": problems are a ValidationException", e);
        }
        return fail("decode accepted " + value);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
