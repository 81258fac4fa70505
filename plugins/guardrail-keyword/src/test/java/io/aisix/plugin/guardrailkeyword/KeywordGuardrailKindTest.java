package io.aisix.plugin.guardrailkeyword;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailCheck.Verdict;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.testkit.TestPluginContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeywordGuardrailKindTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PluginContext CONTEXT = new TestPluginContext();

    private static GuardrailCheck compile(String patterns) throws Exception {
        Guardrail g = GuardrailsKind.KIND.decode("g1", JSON.readTree(
                "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":" + patterns + "}"));
        return new KeywordGuardrailKind().compile(g, CONTEXT);
    }

    private static List<ValidationIssue> issues(String patterns) {
        ValidationException e = assertThrows(ValidationException.class, () -> compile(patterns));
        return e.issues();
    }

    @Test
    void literalMatchesAsACaseInsensitiveSubstring() throws Exception {
        GuardrailCheck c = compile("[{\"kind\":\"literal\",\"value\":\"Forbidden Word\"}]");
        Verdict v = c.check("this has a FORBIDDEN word inside", Phase.INPUT);
        assertTrue(v.hit());
        assertTrue(v.block());
        assertTrue(c.check("xxforbidden wordxx", Phase.OUTPUT).block(), "substring, not whole word");
        assertFalse(c.check("forbidden  word (two spaces)", Phase.INPUT).hit());
    }

    @Test
    void literalCaseFoldingIsUnicodeAware() throws Exception {
        GuardrailCheck c = compile("[{\"value\":\"ärger\"}]");
        assertTrue(c.check("Großer ÄRGER hier", Phase.INPUT).block(), "kind defaults to literal; Ä folds to ä");
    }

    @Test
    void literalMetacharactersAreLiteral() throws Exception {
        GuardrailCheck c = compile("[{\"kind\":\"literal\",\"value\":\"a.b*\"}]");
        assertFalse(c.check("axbbb", Phase.INPUT).hit());
        assertTrue(c.check("see a.b* here", Phase.INPUT).block());
    }

    @Test
    void regexMatchesAsWritten() throws Exception {
        GuardrailCheck c = compile("[{\"kind\":\"regex\",\"value\":\"\\\\bSecret-\\\\d{3}\\\\b\"}]");
        assertTrue(c.check("the code is Secret-123.", Phase.INPUT).block());
        assertFalse(c.check("the code is secret-123.", Phase.INPUT).hit(), "regexes are case-sensitive as written");
        assertFalse(c.check("the code is Secret-1234", Phase.INPUT).hit());
        GuardrailCheck ci = compile("[{\"kind\":\"regex\",\"value\":\"(?i)secret-\\\\d+\"}]");
        assertTrue(ci.check("SECRET-9", Phase.INPUT).block());
    }

    @Test
    void passLeavesTheTextUnchanged() throws Exception {
        GuardrailCheck c = compile("[{\"value\":\"nope\"},{\"kind\":\"regex\",\"value\":\"x{3}\"}]");
        Verdict v = c.check("harmless text", Phase.INPUT);
        assertEquals(Verdict.pass("harmless text"), v);
    }

    @Test
    void invalidRegexIsRefusedWithItsPath() {
        List<ValidationIssue> issues = issues("[{\"value\":\"ok\"},{\"kind\":\"regex\",\"value\":\"(unclosed\"}]");
        assertEquals(1, issues.size(), issues.toString());
        assertEquals("/patterns/1/value", issues.get(0).path());
        assertTrue(issues.get(0).message().startsWith("invalid regular expression"), issues.get(0).message());
    }

    @Test
    void malformedPatternsAreRefusedWithTheirPaths() {
        assertEquals("/patterns", issues("[]").get(0).path());
        assertEquals("/patterns", issues("\"word\"").get(0).path());
        assertEquals("/patterns/0/kind", issues("[{\"kind\":\"glob\",\"value\":\"x\"}]").get(0).path());
        assertEquals("/patterns/0/value", issues("[{\"kind\":\"literal\"}]").get(0).path());
        assertEquals("/patterns/0", issues("[\"plain\"]").get(0).path());
        ValidationException missing = assertThrows(ValidationException.class, () -> new KeywordGuardrailKind().compile(
                GuardrailsKind.KIND.decode("g", JSON.readTree("{\"name\":\"kw\",\"kind\":\"keyword\"}")), CONTEXT));
        assertEquals("/patterns", missing.issues().get(0).path());
    }

    @Test
    void catastrophicRegexFailsClosedInsteadOfHanging() throws Exception {
        // a back-reference defeats the JDK's loop memoisation: exponential in the run length
        GuardrailCheck c = compile("[{\"kind\":\"regex\",\"value\":\"((a)\\\\2?)+b\"}]");
        Verdict v = c.check("b " + "a".repeat(60) + "!", Phase.INPUT);
        assertTrue(v.block(), "a pattern that exhausts its budget refuses the text");
        assertFalse(c.check("a".repeat(60) + "!", Phase.INPUT).hit(),
                "without the 'b' every match needs, the regex does not run at all");
    }
}
