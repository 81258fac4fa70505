package io.aisix.plugin.guardrailkeyword;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RequiredLiteralTest {
    private static Optional<RequiredLiteral> of(String regex) {
        Pattern.compile(regex); // every case is a valid regex
        return RequiredLiteral.of(regex);
    }

    private static void required(String regex, String literal, boolean ignoreCase) {
        assertEquals(Optional.of(new RequiredLiteral(literal, ignoreCase)), of(regex), regex);
    }

    private static void none(String regex) {
        assertEquals(Optional.empty(), of(regex), regex);
    }

    @Test
    void readsTheLongestRequiredRun() {
        required("secret", "secret", false);
        required("(?i)\\bjail ?break\\b", "break", true);
        required("(?i)\\bJAIL-?BREAKING\\b", "breaking", true);
        required("\\bSecret-\\d{3}\\b", "Secret-", false);
        required("ab*cdef", "cdef", false);
        required("abc+def", "abc", false); // c is required once; the first of equal runs wins
        required("x{2}yz", "yz", false);
        required("x{0,2}yz", "yz", false);
        required("a\\.b\\-c", "a.b-c", false);
        required("[]abcdef]xy", "xy", false);
        required("[^]abcdef]xy", "xy", false);
        required("[a[bcdef]]xy", "xy", false);
        required("(abcdef|ghijkl)mn", "mn", false);
        required("(?:abcdef)?ghi", "ghi", false);
        required("(?i:ABCDEF)ghi", "ghi", false);
        required("foo.*barbaz", "barbaz", false);
        required("passwort: ärger", "passwort: ärger", false);
        required("a+?bcd", "bcd", false);
    }

    @Test
    void givesUpWhenNothingIsSurelyRequired() {
        none("a|b");
        none("(?i)ärger"); // non-ASCII under ASCII case folding
        none("ab(?i)cd");
        none("(?x)a b c");
        none("(?iu)abc");
        none("\\Qabc\\E");
        none("\\x41bc");
        none("\\p{L}+abc");
        none("a?b?c?");
        none("\\d+\\s*");
        none(".*");
        none("😀?x");
        none("(?<w>ab)\\k<w>"); // <w> is not text
        none("\\pLxyz");
        none("\\P{Lu}xyz");
        none("\\cAxyz");
    }

    @Test
    void aTextWithoutTheLiteralNeverMatchesTheRegex() {
        List<String> regexes = List.of("(?i)\\bjail ?break\\b", "\\bSecret-\\d{3}\\b", "(?i)k[a-z]+ey", "(?i)kelvin",
                "ab*c", "(x|y)zz", "[]z]q+r", "(?i)st", "(?i)\\bI\\b", "(?<g>zq)\\1r", "a\\.b\\-(?:c)?");
        String alphabet = "jailbreakJAILBREAK sSecret-0123kKelvin\u212Aİıſ]zqrxyabcSTtI.";
        Random random = new Random(42);
        int matched = 0;
        for (String regex : regexes) {
            Pattern p = Pattern.compile(regex);
            RequiredLiteral required = RequiredLiteral.of(regex).orElseThrow();
            for (int n = 0; n < 20_000; n++) {
                StringBuilder b = new StringBuilder();
                int len = random.nextInt(24);
                for (int i = 0; i < len; i++) {
                    b.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                if (random.nextInt(4) == 0) { // plant a near-match often enough to exercise both sides
                    b.insert(random.nextInt(b.length() + 1), required.text().toUpperCase(Locale.ROOT));
                }
                String text = b.toString();
                if (p.matcher(text).find()) {
                    matched++;
                    assertTrue(required.foundIn(text, text.toLowerCase(Locale.ROOT)), regex + " matched " + text);
                }
            }
        }
        assertTrue(matched > 1000, "the texts matched often enough to mean something: " + matched);
    }

    @Test
    void theGuardrailSkipsTheRegexOnlyWhenTheLiteralIsMissing() {
        KeywordCheck check = new KeywordCheck("kw", List.of(),
                List.of(KeywordCheck.Regex.of("/patterns/0", Pattern.compile("(?i)\\bjail ?break\\b"))));
        assertTrue(check.check("please JAIL BREAK this", io.aisix.spi.guardrail.GuardrailCheck.Phase.INPUT).block());
        assertTrue(check.check("a Jailbreak.", io.aisix.spi.guardrail.GuardrailCheck.Phase.INPUT).block());
        assertFalse(check.check("jailbreaking is not a whole word", io.aisix.spi.guardrail.GuardrailCheck.Phase.INPUT)
                .hit());
        assertFalse(check.check("nothing here", io.aisix.spi.guardrail.GuardrailCheck.Phase.INPUT).hit());
    }
}
