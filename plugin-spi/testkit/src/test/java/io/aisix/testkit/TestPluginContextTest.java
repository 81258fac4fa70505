package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.FilterContext;
import io.aisix.spi.provider.ProviderAdapter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestPluginContextTest {
    @Test
    void servesWhatItWasGiven() {
        Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
        record Conf(String backend) {
        }
        TestPluginContext ctx = new TestPluginContext().clock(clock).config(new Conf("redis"))
                .service(CharSequence.class, "svc").service(CharSequence.class, "second").adapterIds("openai");
        assertSame(clock, ctx.clock());
        assertEquals("redis", ctx.config(Conf.class).backend());
        assertThrows(IllegalArgumentException.class, () -> ctx.config(Record.class));
        assertEquals("svc", ctx.service(CharSequence.class).orElseThrow());
        assertEquals(List.of("svc", "second"), ctx.services(CharSequence.class));
        assertTrue(ctx.service(Integer.class).isEmpty());
        assertEquals(List.of("openai"), ctx.services(ProviderAdapter.class).stream().map(ProviderAdapter::id).toList());
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
