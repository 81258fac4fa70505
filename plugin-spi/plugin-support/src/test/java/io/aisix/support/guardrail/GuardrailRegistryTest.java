package io.aisix.support.guardrail;

import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.resource.FieldReader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GuardrailRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A kind with a required field {@code words} and an optional {@code lang}. */
    private static final GuardrailKind WORDS = new GuardrailKind() {
        @Override
        public String kind() {
            return "words";
        }

        @Override
        public GuardrailCheck compile(Guardrail g, PluginContext context) {
            FieldReader r = FieldReader.root(g.spec());
            r.strings("words", List.of());
            if (!r.has("words")) {
                r.error("words", "is required");
            }
            r.finish();
            if (g.spec().path("words").toString().contains("explode")) {
                throw new IllegalStateException("secret detail");
            }
            return (text, phase) -> GuardrailCheck.Verdict.pass(text);
        }

        @Override
        public Set<String> fields() {
            return Set.of("words", "lang", "token", "extra_headers");
        }

        @Override
        public Set<String> secretFields() {
            return Set.of("token");
        }

        @Override
        public Set<String> secretMaps() {
            return Set.of("extra_headers");
        }
    };

    private final GuardrailRegistry kinds = GuardrailRegistry.of(Map.of("words", WORDS));
    private final ResourceKind<Guardrail> validating = kinds.validating(GuardrailsKind.KIND, null);

    @Test
    void lookupAndListing() {
        assertEquals(Optional.of(WORDS), kinds.find("words"));
        assertEquals(Optional.empty(), kinds.find("nope"));
        assertEquals(Set.of("words"), kinds.kinds());
    }

    @Test
    void kindValidationRunsAfterTheCommonDecode() throws Exception {
        Guardrail g = validating.decode("g", JSON.readTree("{\"name\":\"n\",\"kind\":\"words\",\"words\":[\"a\"]}"));
        assertEquals("words", g.kind());
        ValidationException missing = assertThrows(ValidationException.class,
                () -> validating.decode("g", JSON.readTree("{\"name\":\"n\",\"kind\":\"words\"}")));
        assertEquals("/words", missing.issues().get(0).path());
        ValidationException common = assertThrows(ValidationException.class,
                () -> validating.decode("g", JSON.readTree("{\"kind\":\"words\"}")));
        assertEquals("/name", common.issues().get(0).path());
    }

    @Test
    void unknownKindIsRefusedListingTheInstalledOnes() {
        ValidationException e = assertThrows(ValidationException.class,
                () -> validating.decode("g", JSON.readTree("{\"name\":\"n\",\"kind\":\"lakera\"}")));
        assertEquals("/kind", e.issues().get(0).path());
        assertTrue(e.issues().get(0).message().contains("installed: words"), e.getMessage());
    }

    @Test
    void unexpectedKindFailuresStillRefuseTheRowWithoutTheirDetail() {
        ValidationException e = assertThrows(ValidationException.class,
                () -> validating.decode("g", JSON.readTree("{\"name\":\"n\",\"kind\":\"words\",\"words\":[\"explode\"]}")));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void fieldsOfTheKindAreNotReportedAsIgnored() throws Exception {
        var value = JSON.readTree("{\"name\":\"n\",\"kind\":\"words\",\"words\":[\"a\"],\"lang\":\"en\",\"mandatory\":true}");
        assertEquals(List.of("words", "lang", "mandatory"), GuardrailsKind.KIND.ignoredFields(value));
        assertEquals(List.of("mandatory"), validating.ignoredFields(value), "the kind's own fields are known");
        assertEquals(GuardrailsKind.KIND.name(), validating.name());
        assertEquals(GuardrailsKind.KIND.uniqueName(validating.decode("g", JSON.readTree(
                "{\"name\":\"n\",\"kind\":\"words\",\"words\":[]}"))), Optional.of("n"));
    }

    /**
     * The guardrails kind reads the common fields; every other field it knows is an installed
     * kind's own (a third party's kind's fields are its, as keyword's {@code patterns} are keyword's).
     */
    @Test
    void theKnownFieldsAreTheCommonOnesPlusTheInstalledKinds() {
        Set<String> common = Set.of("name", "kind", "enabled", "hook_point", "enforcement_mode", "fail_open",
                "applies_to");
        assertEquals(common, GuardrailsKind.KIND.knownFields());
        Set<String> withWords = new java.util.HashSet<>(common);
        withWords.addAll(WORDS.fields());
        assertEquals(withWords, validating.knownFields());
        assertEquals(common, GuardrailRegistry.of(Map.of()).validating(GuardrailsKind.KIND, null).knownFields(),
                "no kind installed, no kind's fields");
    }

    @Test
    void secretsOfTheInstalledKindsAreAddedToTheBaseKinds() {
        assertEquals(Set.of("headers"), GuardrailsKind.KIND.secretMaps(), "the AISIX webhook field, kind or not");
        assertEquals(Set.of("headers", "extra_headers"), validating.secretMaps());
        assertEquals(Set.of("token"), validating.secretFields());
    }

    @Test
    void boundedTextStopsARunawayPattern() {
        Pattern evil = Pattern.compile("((a)\\2?)+b");
        String text = "a".repeat(60) + "!";
        assertThrows(BoundedText.Exhausted.class, () -> BoundedText.matcher(evil, text).find());
        assertTrue(BoundedText.matcher(Pattern.compile("a+!"), text).find(), "a sane pattern is unaffected");
        assertThrows(BoundedText.Exhausted.class, () -> BoundedText.matcher(Pattern.compile("a+!"), text, 10).find());
    }
}
