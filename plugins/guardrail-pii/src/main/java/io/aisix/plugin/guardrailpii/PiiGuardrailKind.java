package io.aisix.plugin.guardrailpii;

import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.Guardrail;
import io.aisix.support.resource.FieldReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Guardrail kind {@code pii}, configured as AISIX configures it: built-in detectors
 * ({@code detectors: [{type, action}]}) and operator patterns
 * ({@code custom_patterns: [{name, regex, action, replacement}]}). A match is masked as
 * {@code [<NAME>_REDACTED]} (the type or the pattern's name upper-cased, {@code [EMAIL_REDACTED]})
 * or a pattern's literal {@code replacement}, or, with {@code action: block}, refuses the text.
 * A pattern with a capture group masks (and is judged by) group 1 only, keeping the rest of the
 * match, as AISIX does.
 *
 * <p>Types: AISIX's ({@code email}, {@code china_mobile}, {@code china_id_card} with its check
 * character, {@code bank_card} = {@code credit_card} with the Luhn check, {@code us_ssn},
 * {@code ip_address}, {@code api_key}, {@code jwt}, {@code private_key}) and {@code phone},
 * {@code iban} (mod-97 check). The mask names the type as the row spells it
 * ({@code [BANK_CARD_REDACTED]}).
 *
 * <p>Streams: {@code max_buffer_bytes} (default 262144, AISIX's) bounds the streamed answer text,
 * in UTF-8 bytes, this guardrail scans in one stream; past it {@code on_buffer_exceeded}
 * {@code fail_closed} (default) ends the stream with {@code content_filter}, {@code fail_open}
 * lets the rest through unscanned by it (recorded as a bypass).
 *
 * <p>Validation: at least one detector or custom pattern. {@code action} is {@code mask} or
 * {@code block} (default {@code default_action}, itself default {@code mask}); a
 * {@code replacement} is only allowed on a masking pattern. An unknown type, a duplicate type or
 * name, or a regex that does not compile is refused with its JSON path.
 */
public final class PiiGuardrailKind implements GuardrailKind {
    /** AISIX's default {@code max_buffer_bytes}: 256 KiB of streamed output per stream. */
    static final long DEFAULT_MAX_BUFFER_BYTES = 262_144;
    private static final int MAX_NAME = 64;
    private static final int MAX_REPLACEMENT = 256;
    /** AISIX's spellings and ours: the detector types a row may name. */
    private static final List<String> TYPE_NAMES = java.util.stream.Stream.concat(
            BuiltinDetectors.TYPES.keySet().stream(), BuiltinDetectors.ALIASES.keySet().stream()).toList();

    @Override
    public String kind() {
        return "pii";
    }

    @Override
    public Set<String> fields() {
        return Set.of("detectors", "custom_patterns", "default_action", "max_buffer_bytes", "on_buffer_exceeded");
    }

    @Override
    public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
        FieldReader r = FieldReader.root(guardrail.spec());
        String defaultAction = r.oneOf("default_action", "mask", List.of("mask", "block"));
        long maxBuffer = r.integer("max_buffer_bytes", 1).orElse(DEFAULT_MAX_BUFFER_BYTES);
        String onExceeded = r.oneOf("on_buffer_exceeded", "fail_closed", List.of("fail_closed", "fail_open"));
        List<Detector> detectors = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        List<FieldReader> types = r.objects("detectors", false);
        for (FieldReader d : types) {
            String type = d.oneOf("type", TYPE_NAMES);
            String action = d.oneOf("action", defaultAction, List.of("mask", "block"));
            if (type.isEmpty()) {
                continue;
            }
            String canonical = BuiltinDetectors.ALIASES.getOrDefault(type, type);
            List<BuiltinDetectors.Type> patterns = BuiltinDetectors.TYPES.get(canonical);
            if (!labels.add(canonical)) {
                d.error("type", "detector type '" + canonical + "' is listed twice");
                continue;
            }
            for (BuiltinDetectors.Type t : patterns) {
                detectors.add(new Detector(type, Detector.maskToken(type), t.pattern(), t.validator(),
                        action.equals("block"), indexOf(canonical), false, t.gate()));
            }
        }
        int priority = BuiltinDetectors.TYPES.size();
        List<FieldReader> customs = r.objects("custom_patterns", false);
        for (FieldReader c : customs) {
            String name = c.string("name", MAX_NAME);
            String regex = c.string("regex");
            String action = c.oneOf("action", defaultAction, List.of("mask", "block"));
            Optional<String> replacement = c.optLiteral("replacement", MAX_REPLACEMENT);
            c.forbiddenWhen("replacement", "action", List.of("block"));
            if (replacement.isPresent() && action.equals("block") && !c.has("action")) {
                // blocking by default_action: a rule across two levels, the validator's alone
                c.error("replacement", "is not allowed when the pattern blocks (default_action is block)");
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
                detectors.add(new Detector(name, replacement.orElse(Detector.maskToken(name)), p, null,
                        action.equals("block"), priority++, true, Detector.Gate.NONE));
            } catch (PatternSyntaxException e) {
                c.error("regex", "invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        r.requireAnyOf("at least one detector or custom pattern is required", "detectors", "custom_patterns");
        r.finish();
        return new PiiCheck(guardrail.name(), List.copyOf(detectors), maxBuffer, onExceeded.equals("fail_closed"));
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
