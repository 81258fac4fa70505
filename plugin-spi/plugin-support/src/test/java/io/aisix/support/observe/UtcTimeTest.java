package io.aisix.support.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UtcTimeTest {
    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void matchesTheJdkFormattersForEveryKindOfFraction() {
        Random r = new Random(7);
        long[] seconds = {0, 59, 60, 1_764_165_845L, 951_782_400L /* 2000-02-29 */, 253_402_300_799L,
                253_402_300_800L /* year 10000 */, -1, -62_167_219_200L, -62_167_219_201L};
        int[] nanos = {0, 1, 999, 1000, 123_000, 1_000_000, 5_000_000, 322_000_000, 999_999_999, 100_000_000};
        for (long s : seconds) {
            for (int n : nanos) {
                check(Instant.ofEpochSecond(s, n));
            }
        }
        for (int i = 0; i < 20_000; i++) {
            long s = r.nextLong(0, 4_102_444_800L);
            int n = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1000;
                default -> r.nextInt(1_000_000_000);
            };
            check(Instant.ofEpochSecond(s, n));
        }
    }

    private static void check(Instant t) {
        assertEquals(t.toString(), UtcTime.iso(t));
        assertEquals(MILLIS.format(t), UtcTime.appendMillis(new StringBuilder(), t).toString(), t.toString());
    }
}
