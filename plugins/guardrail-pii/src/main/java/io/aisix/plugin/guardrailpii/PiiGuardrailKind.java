package io.aisix.plugin.guardrailpii;

import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.FieldReader;
import io.aisix.spi.resource.Guardrail;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Guardrail kind {@code pii}: built-in detectors ({@code detectors: [{type, action}]}) and
 * operator patterns ({@code custom_patterns: [{name, regex, action}]}). A match is masked as
 * {@code [REDACTED:<type or name>]} or, with {@code action: block}, refuses the text.
 *
 * <p>Types: {@code email}, {@code phone} (10-15 digits with common separators, optional
 * {@code +country} and {@code (area)}), {@code credit_card} (13-19 digits passing the Luhn check;
 * AISIX's {@code bank_card} is accepted as the same), {@code us_ssn} (dashed or spaced, invalid
 * areas excluded), {@code ip_address} (IPv4 and IPv6), {@code api_key} (well-known vendor key
 * formats: OpenAI/Anthropic {@code sk-}, Stripe, AWS access key ids, GitHub, Slack, Google,
 * GitLab), {@code jwt}, {@code private_key} (PEM blocks) and {@code iban} (mod-97 check).
 *
 * <p>Validation: at least one detector or custom pattern; {@code detectors} absent with
 * {@code custom_patterns} absent is an error. {@code action} is {@code mask} or {@code block}
 * (default {@code default_action}, itself default {@code mask}). An unknown type, a duplicate
 * type or name, or a regex that does not compile is refused with its JSON path.
 */
public final class PiiGuardrailKind implements GuardrailKind {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    @Override
    public String kind() {
        return "pii";
    }

    @Override
    public Set<String> fields() {
        return Set.of("detectors", "custom_patterns", "default_action");
    }

    @Override
    public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
        FieldReader r = FieldReader.root(guardrail.spec());
        String defaultAction = r.oneOf("default_action", "mask", List.of("mask", "block"));
        List<Detector> detectors = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        List<FieldReader> types = r.objects("detectors", false);
        for (FieldReader d : types) {
            String type = d.string("type");
            String action = d.oneOf("action", defaultAction, List.of("mask", "block"));
            if (type.isEmpty()) {
                continue;
            }
            String canonical = BuiltinDetectors.ALIASES.getOrDefault(type, type);
            List<BuiltinDetectors.Type> patterns = BuiltinDetectors.TYPES.get(canonical);
            if (patterns == null) {
                d.error("type", "unknown detector type '" + type + "' (supported: "
                        + String.join(", ", BuiltinDetectors.TYPES.keySet()) + ")");
                continue;
            }
            if (!labels.add(canonical)) {
                d.error("type", "detector type '" + canonical + "' is listed twice");
                continue;
            }
            for (BuiltinDetectors.Type t : patterns) {
                detectors.add(new Detector(canonical, t.pattern(), t.validator(), action.equals("block"),
                        indexOf(canonical), false, t.gate()));
            }
        }
        int priority = BuiltinDetectors.TYPES.size();
        List<FieldReader> customs = r.objects("custom_patterns", false);
        for (FieldReader c : customs) {
            String name = c.string("name");
            String regex = c.string("regex");
            String action = c.oneOf("action", defaultAction, List.of("mask", "block"));
            if (!name.isEmpty() && !NAME.matcher(name).matches()) {
                c.error("name", "must be 1-64 characters of letters, digits, '_', '.' or '-'");
                continue;
            }
            if (!name.isEmpty() && !labels.add(name)) {
                c.error("name", "'" + name + "' is already used by another detector or pattern");
                continue;
            }
            if (regex.isEmpty()) {
                continue;
            }
            try {
                Pattern p = Pattern.compile(regex);
                detectors.add(new Detector(name, p, null, action.equals("block"), priority++, true, Detector.Gate.NONE));
            } catch (PatternSyntaxException e) {
                c.error("regex", "invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        r.requireAnyOf("at least one detector or custom pattern is required", "detectors", "custom_patterns");
        r.finish();
        return new PiiCheck(guardrail.name(), List.copyOf(detectors));
    }

    private static int indexOf(String type) {
        int i = 0;
        for (String t : BuiltinDetectors.TYPES.keySet()) {
            if (t.equals(type)) {
                return i;
            }
            i++;
        }
        return i;
    }
}
