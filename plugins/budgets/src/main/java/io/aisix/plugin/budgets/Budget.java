package io.aisix.plugin.budgets;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Optional;

/**
 * One {@code budgets} row: a spend cap in USD over a calendar period in a time zone.
 *
 * @param capNanoUsd {@code max_usd} in nano-USD (10<sup>-9</sup> USD), the unit counters use
 * @param period     {@code day}, {@code week} (from Monday) or {@code month}
 * @param scope      {@code global}, {@code api_key}, {@code team} or {@code model}
 * @param scopeRef   the key id, team id or model (alias, {@code display_name} or id) it applies to;
 *                   empty: every key, team or model, each with its own counter
 * @param hard       {@code mode: hard} refuses requests once the cap is spent; {@code warn} only alerts
 */
record Budget(String id, String name, double maxUsd, long capNanoUsd, String period, ZoneId zone, String scope,
              Optional<String> scopeRef, boolean hard, boolean enabled) {
    static final List<String> PERIODS = List.of("day", "week", "month");
    static final List<String> SCOPES = List.of("global", "api_key", "team", "model");
    static final List<String> MODES = List.of("hard", "warn");

    /** The start of the period that contains {@code now}, in the budget's zone. */
    ZonedDateTime periodStart(Instant now) {
        LocalDate today = now.atZone(zone).toLocalDate();
        LocalDate first = switch (period) {
            case "day" -> today;
            case "week" -> today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            default -> today.withDayOfMonth(1);
        };
        return first.atStartOfDay(zone);
    }

    /** The end of that period: when the counter resets. */
    ZonedDateTime periodEnd(ZonedDateTime start) {
        LocalDate first = start.toLocalDate();
        LocalDate next = switch (period) {
            case "day" -> first.plusDays(1);
            case "week" -> first.plusWeeks(1);
            default -> first.plusMonths(1);
        };
        return next.atStartOfDay(zone);
    }
}
