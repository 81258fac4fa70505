package io.aisix.plugin.ratelimit;

import io.aisix.spi.resource.NameReference;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code rate_limit_policies} resource kind, AISIX's fields: {@code name}* (unique),
 * {@code scope} [{@code api_key}] ({@code api_key}, {@code model}, {@code team}), {@code scope_ref},
 * {@code window} [{@code minute}] ({@code second}, {@code minute}, {@code hour}, {@code day}),
 * {@code max_requests} and/or {@code max_tokens} (at least one), and {@code schedules} (when the
 * policy is suspended: {@code start_time}, {@code end_time}, {@code timezone}, and exactly one of
 * {@code days_of_week} and {@code dates}). A resources file may give the {@code scope_ref} of a
 * policy written with {@code scope: api_key} as the key's {@code display_name}.
 */
public final class RateLimitPoliciesKind extends ReaderKind<RateLimitPolicy> {
    private static final Set<String> FIELDS = Set.of("name", "scope", "scope_ref", "window", "max_requests",
            "max_tokens", "schedules");
    /** The kind, as the limiter reads it from a snapshot. */
    public static final RateLimitPoliciesKind KIND = new RateLimitPoliciesKind();
    private static final String HH_MM = "^([01]\\d|2[0-3]):[0-5]\\d$";
    private static final String HH_MM_OR_24 = "^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$";
    private static final Map<String, DayOfWeek> WEEKDAYS = Map.of("mon", DayOfWeek.MONDAY, "tue", DayOfWeek.TUESDAY,
            "wed", DayOfWeek.WEDNESDAY, "thu", DayOfWeek.THURSDAY, "fri", DayOfWeek.FRIDAY, "sat", DayOfWeek.SATURDAY,
            "sun", DayOfWeek.SUNDAY);
    private static final List<String> WEEKDAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    /** For the ServiceLoader; the plugin reads {@link #KIND}. */
    public RateLimitPoliciesKind() {
        super("rate_limit_policies", FIELDS, RateLimitPolicy::name);
    }

    @Override
    public List<NameReference> nameReferences() {
        return List.of(new NameReference("/scope_ref", "api_keys", "", Map.of("/scope", "api_key")));
    }

    @Override
    protected RateLimitPolicy read(String id, FieldReader r) {
        String name = r.string("name");
        String scope = r.oneOf("scope", "api_key", List.of("api_key", "model", "team"));
        Optional<String> ref = r.optString("scope_ref");
        String window = r.oneOf("window", "minute", List.of("second", "minute", "hour", "day"));
        var maxRequests = r.integer("max_requests", 1);
        var maxTokens = r.integer("max_tokens", 1);
        r.requireAnyOf("one of max_requests or max_tokens is required", "max_requests", "max_tokens");
        List<RateLimitPolicy.Schedule> schedules = new ArrayList<>();
        for (FieldReader s : r.objects("schedules", false)) {
            schedule(s).ifPresent(schedules::add);
        }
        return new RateLimitPolicy(id, name, scope, ref, window, maxRequests, maxTokens, List.copyOf(schedules));
    }

    /**
     * One {@code schedules} entry, as AISIX's schema has it; every problem recorded with its path.
     * Only the time zone is checked beyond the published schema (the JDK's zone ids).
     */
    private static Optional<RateLimitPolicy.Schedule> schedule(FieldReader s) {
        int start = minute(s.string("start_time", HH_MM, "must be HH:MM (00:00-23:59)"));
        int end = minute(s.string("end_time", HH_MM_OR_24, "must be HH:MM (00:00-23:59, or 24:00)"));
        ZoneId zone = null;
        String tz = s.string("timezone");
        if (!tz.isEmpty()) {
            try {
                zone = ZoneId.of(tz);
            } catch (DateTimeException e) {
                s.error("timezone", "must be an IANA time zone (Asia/Shanghai, UTC, ...)");
            }
        }
        List<String> days = s.oneOfEach("days_of_week", WEEKDAY_NAMES, true);
        List<LocalDate> dates = s.dates("dates", true);
        s.exactlyOneOf("exactly one of days_of_week and dates is required", "days_of_week", "dates");
        if (start < 0 || end < 0 || zone == null || s.hasErrors()) {
            return Optional.empty();
        }
        Set<DayOfWeek> weekdays = EnumSet.noneOf(DayOfWeek.class);
        days.forEach(d -> weekdays.add(WEEKDAYS.get(d)));
        return Optional.of(new RateLimitPolicy.Schedule(Set.copyOf(weekdays), Set.copyOf(dates), start, end, zone));
    }

    /** {@code HH:MM} (already matched) as minutes after midnight, {@code 24:00} = 1440; -1 for "". */
    private static int minute(String hhmm) {
        if (hhmm.isEmpty()) {
            return -1;
        }
        return Integer.parseInt(hhmm.substring(0, 2)) * 60 + Integer.parseInt(hhmm.substring(3, 5));
    }
}
