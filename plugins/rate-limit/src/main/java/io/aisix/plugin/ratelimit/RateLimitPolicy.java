package io.aisix.plugin.ratelimit;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A shared rate-limit policy ({@code rate_limit_policies}).
 *
 * @param scope     {@code api_key}, {@code model} or {@code team}
 * @param scopeRef  the key id, alias or team the policy applies to; empty means every one
 * @param window    {@code second}, {@code minute}, {@code hour} or {@code day}
 * @param schedules AISIX's {@code schedules}: wall-clock windows during which the policy is
 *                  suspended (not enforced, nothing counted); the policy keeps its counters, so
 *                  leaving a window resumes the same bucket
 */
public record RateLimitPolicy(String id, String name, String scope, Optional<String> scopeRef, String window,
                              OptionalLong maxRequests, OptionalLong maxTokens, List<Schedule> schedules) {

    /** A policy without schedules. */
    public RateLimitPolicy(String id, String name, String scope, Optional<String> scopeRef, String window,
                           OptionalLong maxRequests, OptionalLong maxTokens) {
        this(id, name, scope, scopeRef, window, maxRequests, maxTokens, List.of());
    }

    /** True when one of the schedules suspends the policy at {@code now}. */
    public boolean suspendedAt(Instant now) {
        for (Schedule s : schedules) {
            if (s.covers(now)) {
                return true;
            }
        }
        return false;
    }

    /**
     * One recurring suspension window, as AISIX defines it: the window opens on each selected day
     * ({@code days_of_week}, or explicit {@code dates}) at {@code start} (inclusive) and closes at
     * {@code end} (exclusive), wall clock in {@code zone}. {@code start < end} is a same-day window;
     * {@code start > end} crosses midnight and belongs to its start day (Friday 22:00 → 09:00 covers
     * Friday 22:00 to Saturday 09:00); {@code start == end} never matches.
     *
     * @param days         the selected weekdays (empty when {@code dates} select)
     * @param dates        the selected calendar dates in {@code zone} (empty when {@code days} select)
     * @param startMinute  minutes after midnight, 0-1439
     * @param endMinute    minutes after midnight, 0-1440 ({@code 24:00} is 1440, the end of the day)
     */
    public record Schedule(Set<DayOfWeek> days, Set<LocalDate> dates, int startMinute, int endMinute, ZoneId zone) {

        public boolean covers(Instant now) {
            if (startMinute == endMinute) {
                return false;
            }
            ZonedDateTime local = now.atZone(zone);
            LocalDate day = local.toLocalDate();
            int second = local.toLocalTime().toSecondOfDay();
            int start = startMinute * 60;
            int end = endMinute * 60;
            if (startMinute < endMinute) {
                return selected(day) && second >= start && second < end;
            }
            return selected(day) && second >= start || selected(day.minusDays(1)) && second < end;
        }

        private boolean selected(LocalDate day) {
            return dates.isEmpty() ? days.contains(day.getDayOfWeek()) : dates.contains(day);
        }
    }
}
