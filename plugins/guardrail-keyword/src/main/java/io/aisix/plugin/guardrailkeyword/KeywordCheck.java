package io.aisix.plugin.guardrailkeyword;

import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.support.guardrail.BoundedText;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The compiled patterns of one {@code keyword} guardrail. Immutable and shared by every request
 * of a snapshot. Operator regexes run under a read budget ({@link BoundedText}); one that runs
 * out of budget blocks the text (fail closed) and is logged by position, never with the text.
 */
final class KeywordCheck implements GuardrailCheck {
    private static final Logger LOG = Logger.getLogger(KeywordCheck.class.getName());

    private final String name;
    /** The literals, lower-cased with {@link Locale#ROOT}. */
    private final String[] literals;
    private final List<Regex> regexes;

    /**
     * An operator regex, where it sits in the resource ({@code /patterns/2}, for logs) and the
     * literal every match contains, or null.
     */
    record Regex(String path, Pattern pattern, RequiredLiteral required) {
        static Regex of(String path, Pattern pattern) {
            return new Regex(path, pattern, RequiredLiteral.of(pattern.pattern()).orElse(null));
        }
    }

    KeywordCheck(String name, List<String> literals, List<Regex> regexes) {
        this.name = name;
        this.literals = literals.stream().map(l -> l.toLowerCase(Locale.ROOT)).distinct().toArray(String[]::new);
        this.regexes = regexes;
    }

    @Override
    public Verdict check(String text, Phase phase) {
        // Lower-casing once and searching with String.indexOf (a vectorised intrinsic) is an
        // order of magnitude faster than a case-insensitive regex alternation of the literals.
        String lower = null;
        if (literals.length > 0) {
            lower = text.toLowerCase(Locale.ROOT);
            for (String literal : literals) {
                if (lower.contains(literal)) {
                    return Verdict.block(text);
                }
            }
        }
        for (Regex regex : regexes) {
            RequiredLiteral required = regex.required();
            if (required != null) {
                if (lower == null && required.ignoreCase()) {
                    lower = text.toLowerCase(Locale.ROOT);
                }
                if (!required.foundIn(text, lower)) {
                    continue;
                }
            }
            try {
                if (BoundedText.matcher(regex.pattern(), text).find()) {
                    return Verdict.block(text);
                }
            } catch (BoundedText.Exhausted e) {
                LOG.warning("guardrail '" + name + "': regex " + regex.path() + " exceeded its evaluation budget on a "
                        + text.length() + "-character text; the text is refused");
                return Verdict.block(text);
            }
        }
        return Verdict.pass(text);
    }
}
