package io.aisix.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link IpRange#toString}: what a decoded row or a log line shows of a range. */
class IpRangeTest {
    @Test
    void printsItsCidr() {
        assertEquals("10.0.0.0/8", IpRange.parse("10.0.0.0/8").orElseThrow().toString());
        assertEquals("203.0.113.7/32", IpRange.parse(" 203.0.113.7 ").orElseThrow().toString());
        assertEquals("0:0:0:0:0:0:0:1/128", IpRange.parse("::1").orElseThrow().toString());
        assertEquals(IpRange.parse("fd00::/8").orElseThrow().toString(), IpRange.parse("fd00::/8").orElseThrow().toString(),
                "two parses of one range print alike");
    }
}
