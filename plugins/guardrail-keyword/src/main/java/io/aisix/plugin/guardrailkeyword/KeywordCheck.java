package io.aisix.plugin.guardrailkeyword;

import io.aisix.spi.guardrail.BoundedText;
import io.aisix.spi.guardrail.GuardrailCheck;
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

    /** An operator regex and where it sits in the resource ({@code /patterns/2}), for logs. */
    record Regex(String path, Pattern pattern) {
    }

    KeywordCheck(String name, List<String> literals, List<Regex> regexes) {
        this.name = name;
        this.literals = literals.stream().map(l -> l.toLowerCase(Locale.ROOT)).distinct().toArray(String[]::new);
        this.regexes = regexes;
    }

    @Override
    public Verdict check(String text, Phase phase) {
        if (literals.length > 0) {
            // Lower-casing once and searching with String.indexOf (a vectorised intrinsic) is an
            // order of magnitude faster than a case-insensitive regex alternation of the literals.
            String lower = text.toLowerCase(Locale.ROOT);
            for (String literal : literals) {
                if (lower.contains(literal)) {
                    return Verdict.block(text);
                }
            }
        }
        for (Regex regex : regexes) {
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
