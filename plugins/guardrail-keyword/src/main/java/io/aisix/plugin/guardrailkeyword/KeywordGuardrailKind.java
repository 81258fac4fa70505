package io.aisix.plugin.guardrailkeyword;

import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.Guardrail;
import io.aisix.support.resource.FieldReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Guardrail kind {@code keyword}: {@code patterns: [{kind: literal|regex, value}]}. A literal
 * matches as a case-insensitive substring (both sides lower-cased with the root locale); a regex matches as written
 * (add {@code (?i)} for case-insensitivity) anywhere in the text. Any match blocks; keyword
 * guardrails never mask.
 *
 * <p>Validation (Admin API and store loader): {@code patterns} must be a non-empty array, each
 * entry an object with a non-empty {@code value}, {@code kind} one of {@code literal} (default)
 * and {@code regex}, and every regex must compile; problems name their JSON path
 * ({@code /patterns/2/value}). Regexes are compiled here, once per snapshot; literals are lower-cased
 * once and searched in the lower-cased text.
 */
public final class KeywordGuardrailKind implements GuardrailKind {

    @Override
    public String kind() {
        return "keyword";
    }

    @Override
    public Set<String> fields() {
        return Set.of("patterns");
    }

    @Override
    public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
        FieldReader r = FieldReader.root(guardrail.spec());
        List<String> literals = new ArrayList<>();
        List<KeywordCheck.Regex> regexes = new ArrayList<>();
        for (FieldReader p : r.objects("patterns", true)) {
            String kind = p.oneOf("kind", "literal", List.of("literal", "regex"));
            String value = p.string("value");
            if (value.isEmpty()) {
                continue;
            }
            if (kind.equals("literal")) {
                literals.add(value);
            } else {
                try {
                    regexes.add(KeywordCheck.Regex.of(p.path(), Pattern.compile(value)));
                } catch (PatternSyntaxException e) {
                    p.error("value", "invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
                }
            }
        }
        r.finish();
        return new KeywordCheck(guardrail.name(), List.copyOf(literals), List.copyOf(regexes));
    }
}
