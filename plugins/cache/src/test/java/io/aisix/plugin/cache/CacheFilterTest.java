package io.aisix.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.spi.Chain;
import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.spi.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache filter against a stub chain: outcomes, metrics, and when entries are (not) written. */
class CacheFilterTest {
    static final String BODY = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final CachePolicy POLICY = new CachePolicy("p1", "main", true, "memory", 60, "all", "shared", 0);

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final TestPluginContext ctx = new TestPluginContext().clock(clock).config(new CacheConfig(null, null));
    final MemoryCacheBackend memory = new MemoryCacheBackend();
    final AtomicInteger upstream = new AtomicInteger();
    final Chain answer = ex -> Response.json(("{\"n\":" + upstream.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8));

    CacheFilter filter(CacheBackend backend) {
        memory.start(ctx);
        return new CacheFilter(new PolicyIndex(List.of(POLICY)), Map.of("memory", backend), ctx.metrics());
    }

    TestExchange exchange(String... headers) {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json(BODY).headers(Headers.of(headers))
                .attr(CoreAttrs.ALIAS, "m1").build();
    }

    @Test
    void outcomesAreCountedPerPolicyAndPublished() {
        CacheFilter f = filter(memory);
        TestExchange miss = exchange();
        f.handle(miss, answer);
        assertEquals("miss", miss.attr(CoreAttrs.CACHE_STATUS).orElseThrow());
        assertEquals("miss", miss.responseHeaders().build().first("x-aisix-cache").orElseThrow());
        miss.complete(200, false);
        TestExchange hit = exchange();
        Response r = f.handle(hit, answer);
        assertEquals("{\"n\":1}", ((Response.Full) r).bodyText());
        assertEquals("hit", hit.attr(CoreAttrs.CACHE_STATUS).orElseThrow());
        f.handle(exchange("cache-control", "no-cache"), answer);
        assertEquals(1, ctx.metrics().get("aisix_cache_requests_total{policy=main,outcome=miss}"));
        assertEquals(1, ctx.metrics().get("aisix_cache_requests_total{policy=main,outcome=hit}"));
        assertEquals(1, ctx.metrics().get("aisix_cache_requests_total{policy=main,outcome=bypass}"));
    }

    @Test
    void onlyACompleteDelivered200IsWritten() {
        CacheFilter f = filter(memory);
        List<Completion> notDelivered = List.of(
                new Completion(200, Optional.empty(), false, false, true, 0),            // caller went away
                new Completion(422, Optional.of(ErrorCode.CONTENT_FILTER), false, false, false, 0), // output block
                new Completion(200, Optional.of(ErrorCode.UPSTREAM_ERROR), false, false, false, 0));
        for (Completion c : notDelivered) {
            TestExchange ex = exchange();
            f.handle(ex, answer);
            ex.complete(c);
            assertEquals(0, memory.size(), c.toString());
        }
        TestExchange ok = exchange();
        f.handle(ok, answer);
        ok.complete(200, false);
        assertEquals(1, memory.size());
    }

    @Test
    void aStreamIsWrittenOnlyAfterItsCleanEnd() {
        CacheFilter f = filter(memory);
        Chain streaming = ex -> Response.stream(EventStream.of(List.of(
                SseEvent.data("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}"),
                SseEvent.data("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"))));
        TestExchange half = exchange();
        Response.Streaming s = assertInstanceOf(Response.Streaming.class, f.handle(half, streaming));
        s.events().next();
        s.events().close();
        half.complete(new Completion(200, Optional.empty(), true, false, true, 0));
        assertEquals(0, memory.size(), "a stream the caller left is not stored");

        TestExchange full = exchange();
        EventStream events = ((Response.Streaming) f.handle(full, streaming)).events();
        while (events.next().isPresent()) {
            // drain like the kernel does
        }
        full.complete(200, true);
        assertEquals(1, memory.size());
    }

    @Test
    void aFailingBackendIsAMissNeverAFailure() {
        CacheBackend broken = new CacheBackend() {
            @Override
            public String id() {
                return "memory";
            }

            @Override
            public Optional<byte[]> get(String key) {
                throw new IllegalStateException("backend down");
            }

            @Override
            public void put(String key, byte[] value, Duration ttl) {
                throw new IllegalStateException("backend down");
            }
        };
        CacheFilter f = filter(broken);
        TestExchange ex = exchange();
        Response r = f.handle(ex, answer);
        assertEquals(200, r.status());
        ex.complete(200, false);
        assertEquals("miss", ex.attr(CoreAttrs.CACHE_STATUS).orElseThrow());
        assertTrue(upstream.get() == 1);
    }

    @Test
    void otherEndpointsPassThroughUntouched() {
        CacheFilter f = filter(memory);
        TestExchange ex = TestExchange.builder(Endpoint.EMBEDDINGS).json("{\"model\":\"m1\",\"input\":\"x\"}").build();
        f.handle(ex, answer);
        assertTrue(ex.attr(CoreAttrs.CACHE_STATUS).isEmpty());
        assertTrue(ex.responseHeaders().isEmpty());
    }
}
