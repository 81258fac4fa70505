package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.FilterContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestPluginContextTest {
    @Test
    void servesWhatItWasGiven() {
        Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
        TestPluginContext ctx = new TestPluginContext().clock(clock).settings(Map.of("a.b", "1")).setting("c", "2")
                .service(CharSequence.class, "svc").adapterIds("openai");
        assertSame(clock, ctx.clock());
        assertEquals("1", ctx.setting("a.b").orElseThrow());
        assertEquals("2", ctx.setting("c").orElseThrow());
        assertTrue(ctx.setting("x").isEmpty());
        assertEquals("svc", ctx.service(CharSequence.class).orElseThrow());
        assertTrue(ctx.service(Integer.class).isEmpty());
        assertEquals(Set.of("openai"), ctx.adapterIds());
        assertThrows(UnsupportedOperationException.class, ctx::upstream);
        FilterContext fc = ctx.filterContext(TestSnapshot.empty());
        assertSame(ctx, fc.plugin());
        assertSame(TestSnapshot.empty(), fc.snapshot());
    }

    @Test
    void metricsCountBySeriesAndCanBeShared() {
        TestMetrics shared = new TestMetrics();
        new TestPluginContext(shared).metrics().increment("hits_total", "policy", "p", "outcome", "hit");
        new TestPluginContext(shared).metrics().add("hits_total", 2, "policy", "p", "outcome", "miss");
        assertEquals(1, shared.get("hits_total{policy=p,outcome=hit}"));
        assertEquals(2, shared.counter("hits_total", "policy", "p", "outcome", "miss"));
        assertEquals(3, shared.total("hits_total"));
        assertEquals(0, shared.counter("other_total"));
    }
}
