package io.aisix.support.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * UTC timestamps for log lines and usage events without a {@link DateTimeFormatter} run per call:
 * the date and time of day are formatted once per second and reused, the fraction is appended by
 * hand. The access log writes two timestamps per proxy request (the line's and the event's).
 */
public final class UtcTime {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** 0000-01-01 .. 9999-12-31: where the fixed-width form equals the ISO form. */
    private static final long MIN_SECOND = -62_167_219_200L;
    private static final long MAX_SECOND = 253_402_300_799L;

    private record Second(long epochSecond, String text) {
    }

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private UtcTime() {
    }

    /** Exactly {@link Instant#toString()}: {@code 2026-11-26T14:04:05.322Z}, fraction in groups of three digits. */
    public static String iso(Instant t) {
        return appendIso(new StringBuilder(30), t).toString();
    }

    /** Appends {@link #iso}'s text to {@code b}. */
    public static StringBuilder appendIso(StringBuilder b, Instant t) {
        long s = t.getEpochSecond();
        if (s < MIN_SECOND || s > MAX_SECOND) {
            return b.append(t);
        }
        int nano = t.getNano();
        b.append(second(s));
        if (nano != 0) {
            if (nano % 1_000_000 == 0) {
                digits(b.append('.'), nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                digits(b.append('.'), nano / 1000, 6);
            } else {
                digits(b.append('.'), nano, 9);
            }
        }
        return b.append('Z');
    }

    /** Appends {@code 2026-11-26T14:04:05.322Z}: always milliseconds. */
    public static StringBuilder appendMillis(StringBuilder b, Instant t) {
        long s = t.getEpochSecond();
        if (s < MIN_SECOND || s > MAX_SECOND) {
            MILLIS.formatTo(t, b);
            return b;
        }
        return digits(b.append(second(s)).append('.'), t.getNano() / 1_000_000, 3).append('Z');
    }

    private static String second(long epochSecond) {
        Second c = last;
        if (c.epochSecond() != epochSecond) {
            c = new Second(epochSecond, SECONDS.format(Instant.ofEpochSecond(epochSecond)));
            last = c;
        }
        return c.text();
    }

    /** {@code value} in {@code width} digits, zero-padded (value is below 10^width). */
    static StringBuilder digits(StringBuilder b, int value, int width) {
        for (int unit = pow10(width - 1); unit > 0; unit /= 10) {
            b.append((char) ('0' + value / unit % 10));
        }
        return b;
    }

    private static int pow10(int n) {
        int p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }
}
