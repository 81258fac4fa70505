package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.testkit.TestPluginContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@link GuardrailKind} contract as tests. A guardrail-kind plugin's test extends this class
 * with its kind, a valid {@code guardrails} row of that kind and an invalid one with the JSON
 * pointer of each of its problems:
 *
 * <ul>
 *   <li>the kind is declared in {@code META-INF/services/io.aisix.spi.guardrail.GuardrailKind} under
 *       a {@code lower_snake_case} kind;</li>
 *   <li>{@link GuardrailKind#compile} is also the kind's validator, called whenever a row is
 *       decoded: it starts no thread, and compiled twice the row judges {@link #sampleText} alike;</li>
 *   <li>it reports every problem of the invalid row, each with a JSON pointer into the row, in one
 *       {@code ValidationException};</li>
 *   <li>the fields and secret fields it declares are disjoint from the fields every guardrail has;
 *       no validation message repeats the value of a secret field.</li>
 * </ul>
 */
public abstract class GuardrailKindContract {
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Set<String> COMMON = Set.of("name", "kind", "enabled", "hook_point", "enforcement_mode",
            "fail_open", "applies_to");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The kind, as {@link java.util.ServiceLoader} makes it. */
    protected abstract GuardrailKind kind();

    /** A valid {@code guardrails} row of this kind, as JSON text (its secret fields with a value). */
    protected abstract String validRow();

    /** A row of this kind with several problems, as JSON text. */
    protected abstract String invalidRow();

    /** The JSON pointer of every problem of {@link #invalidRow} (for example {@code /patterns/0/value}). */
    protected abstract Set<String> invalidPaths();

    /** Text the compiled check judges twice, to compare two compilations. */
    protected String sampleText() {
        return "hello, is this allowed?";
    }

    /** The context of {@link GuardrailKind#compile}: override to give settings or an upstream client. */
    protected TestPluginContext pluginContext() {
        return new TestPluginContext();
    }

    @Test
    public void registeredForServiceLoaderUnderAKindName() {
        GuardrailKind kind = kind();
        assertTrue(KIND.matcher(kind.kind()).matches(), "kind '" + kind.kind() + "' is not lower_snake_case");
        Checks.assertRegistered(GuardrailKind.class, kind.getClass());
    }

    @Test
    public void compileStartsNothingAndIsRepeatable() {
        GuardrailKind kind = kind();
        GuardrailCheck first = Checks.startsNoThread("compile()", () -> compileValid(kind));
        GuardrailCheck second = compileValid(kind);
        assertNotNull(first, "compile() returned null");
        for (Phase phase : Phase.values()) {
            assertEquals(first.check(sampleText(), phase), second.check(sampleText(), phase),
                    "two compilations of the same row judge the same text differently (" + phase + ")");
        }
    }

    @Test
    public void compileReportsEveryProblemWithAJsonPointer() {
        ValidationException e = null;
        try {
            kind().compile(guardrail(invalidRow()), pluginContext());
        } catch (ValidationException v) {
            e = v;
        } catch (RuntimeException other) {
            fail("compile threw " + other + " for an invalid row: problems are a ValidationException", other);
        }
        assertNotNull(e, "compile accepted " + invalidRow());
        TreeSet<String> reported = new TreeSet<>();
        for (ValidationIssue issue : e.issues()) {
            assertTrue(issue.path().isEmpty() || issue.path().startsWith("/"), "not a JSON pointer: " + issue);
            reported.add(issue.path());
        }
        assertTrue(reported.containsAll(invalidPaths()), "compile must report every problem at once: expected "
                + new TreeSet<>(invalidPaths()) + ", reported " + reported);
    }

    @Test
    public void declaredFieldsAreTheKindsOwnAndSecretsStaySecret() {
        GuardrailKind kind = kind();
        for (Set<String> declared : List.of(kind.fields(), kind.secretFields(), kind.secretMaps())) {
            for (String f : declared) {
                assertFalse(COMMON.contains(f), "'" + f + "' is a field of every guardrail, not the kind's own");
            }
        }
        JsonNode valid = parse(validRow());
        List<String> secrets = kind.secretFields().stream().filter(f -> valid.path(f).isTextual())
                .map(f -> valid.get(f).asText()).filter(s -> !s.isEmpty()).toList();
        ObjectNode broken = (ObjectNode) parse(invalidRow());
        kind.secretFields().stream().filter(valid::has).forEach(f -> broken.set(f, valid.get(f)));
        try {
            kind.compile(guardrail(broken.toString()), pluginContext());
        } catch (ValidationException e) {
            for (String secret : secrets) {
                assertFalse(e.issues().toString().contains(secret), "a validation message repeats a secret: " + e.issues());
            }
        }
    }

    private GuardrailCheck compileValid(GuardrailKind kind) {
        try {
            return kind.compile(guardrail(validRow()), pluginContext());
        } catch (ValidationException e) {
            throw new AssertionError("validRow() does not compile: " + e.issues(), e);
        }
    }

    /** The row as the guardrail stage hands it to a kind: common fields decoded, the whole row as spec. */
    private Guardrail guardrail(String row) {
        JsonNode json = parse(row);
        return new Guardrail("contract", json.path("name").asText("contract"), kind().kind(), true, "both", "block",
                false, List.of("*"), json);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
