package io.aisix.plugin.budgets;

import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code budgets} resource kind: {@code name}* (unique), {@code max_usd}* (USD, above 0),
 * {@code period} [{@code month}] ({@code day}, {@code week} from Monday, {@code month}),
 * {@code timezone} [{@code UTC}] (IANA id; periods start at local midnight), {@code scope}
 * [{@code global}] ({@code global}, {@code api_key}, {@code team}, {@code model}), {@code scope_ref}
 * (not allowed with {@code global}; absent: every key, team or model with its own counter),
 * {@code mode} [{@code hard}] ({@code hard} refuses with 429 {@code budget_exceeded} once spent,
 * {@code warn} only alerts at 50, 80 and 100 percent) and {@code enabled} [true].
 */
public final class BudgetKind extends ReaderKind<Budget> {
    static final String NAME = "budgets";
    private static final Set<String> FIELDS = Set.of("name", "max_usd", "period", "timezone", "scope", "scope_ref",
            "mode", "enabled");
    /** A cap above this (10^9 USD) would not fit the nano-USD counters with room to spare. */
    static final double MAX_USD = 1e9;

    /** For the ServiceLoader. */
    public BudgetKind() {
        super(NAME, FIELDS, Budget::name);
    }

    @Override
    protected Budget read(String id, FieldReader r) {
        String name = r.string("name");
        r.required("max_usd");
        double max = r.number("max_usd", 0, MAX_USD).orElse(0);
        if (!r.describing() && r.node().path("max_usd").isNumber() && r.node().path("max_usd").doubleValue() == 0) {
            r.error("max_usd", "must be above 0");
        }
        String period = r.oneOf("period", "month", Budget.PERIODS);
        String tz = r.optString("timezone").orElse("UTC");
        ZoneId zone = ZoneOffset.UTC;
        if (!r.describing()) {
            try {
                zone = ZoneId.of(tz);
            } catch (DateTimeException e) {
                r.error("timezone", "must be an IANA time zone (Europe/Berlin, UTC, ...)");
            }
        }
        String scope = r.oneOf("scope", "global", Budget.SCOPES);
        Optional<String> ref = r.optString("scope_ref");
        r.forbiddenWhen("scope_ref", "scope", List.of("global"));
        if (!r.describing() && !r.node().has("scope") && r.has("scope_ref")) { // global by default
            r.error("scope_ref", "is not allowed when scope is global");
        }
        String mode = r.oneOf("mode", "hard", Budget.MODES);
        boolean enabled = r.bool("enabled", true);
        return new Budget(id, name, max, Math.round(max * 1e9), period, zone, scope,
                scope.equals("global") ? Optional.empty() : ref, mode.equals("hard"), enabled);
    }
}
