package io.aisix.kernel.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aisix.kernel.chain.CompiledChain;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Duration> sleeps = new ArrayList<>();
    private final Dispatcher dispatcher = new Dispatcher(2, new ModelHealth(), now::get, sleeps::add);

    private static Target target(String name, int priority, int weight) {
        Model m = new Model("id-" + name, name, Optional.of("k"), Optional.of(name), Optional.empty(),
                OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        ProviderKey k = new ProviderKey("k", "k", "openai", Optional.empty(), "secret", Optional.empty(),
                Optional.empty(), Map.of(), Optional.empty(), true);
        return new Target("alias", name, m, k, name, "openai", priority, weight);
    }

    private static KernelExchange exchange(List<Target> targets, Optional<Model.Routing> routing) {
        Snapshot empty = new Snapshot() {
            public long revision() {
                return 1;
            }

            public Instant builtAt() {
                return Instant.EPOCH;
            }

            public <T> Map<String, T> all(ResourceKind<T> kind) {
                return Map.of();
            }
        };
        KernelExchange ex = new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS,
                Headers.empty(), "{}".getBytes(), empty, "rid", 0);
        ex.attr(CoreAttrs.TARGETS, new CoreAttrs.TargetList(targets, routing));
        return ex;
    }

    private static Model.Routing routing(String strategy, int retries, boolean retryOn429, List<Integer> fallback) {
        return new Model.Routing(strategy, List.of(), retries, retryOn429, fallback);
    }

    /** An attempt chain whose terminal answers per target with the given behaviour, recording the order. */
    private static CompiledChain attempts(List<String> calls, Function<String, Response> behaviour) {
        return new CompiledChain(List.of(), (ex, c) -> {
            String served = ex.attr(CoreAttrs.TARGET).orElseThrow().servedBy();
            calls.add(served);
            return behaviour.apply(served);
        });
    }

    private static Response ok() {
        return Response.json(new byte[0]);
    }

    @Test
    void loneTargetRetriesFiveHundredsThenReturnsTheError() {
        List<String> calls = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(List.of(target("a", 0, 1)), Optional.empty()),
                attempts(calls, s -> {
                    throw GatewayException.upstreamStatus(503, "x", null);
                })));
        assertEquals(List.of("a", "a", "a"), calls, "1 try + upstream.retries (2)");
        assertEquals(502, e.status());
        assertEquals(2, sleeps.size());
    }

    @Test
    void clientErrorsAreNotRetried() {
        List<String> calls = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(List.of(target("a", 0, 1), target("b", 0, 1)), Optional.of(routing("failover", 0, false, List.of()))),
                attempts(calls, s -> {
                    throw GatewayException.upstreamStatus(400, "bad", null);
                })));
        assertEquals(List.of("a"), calls);
        assertEquals(400, e.status());
    }

    @Test
    void failoverMovesToTheNextTargetAndNamesTheServer() {
        List<String> calls = new ArrayList<>();
        Response r = dispatcher.dispatch(
                exchange(List.of(target("a", 0, 1), target("b", 0, 1)), Optional.of(routing("failover", 0, false, List.of()))),
                attempts(calls, s -> {
                    if (s.equals("a")) {
                        throw new GatewayException(ErrorCode.TIMEOUT, "slow");
                    }
                    return ok();
                }));
        assertEquals(List.of("a", "b"), calls);
        assertEquals("b", r.headers().first("x-aisix-served-by").orElseThrow());
        // a is cooling down now: b goes first next time
        calls.clear();
        dispatcher.dispatch(exchange(List.of(target("a", 0, 1), target("b", 0, 1)),
                Optional.of(routing("failover", 0, false, List.of()))), attempts(calls, s -> ok()));
        assertEquals(List.of("b"), calls);
    }

    @Test
    void rateLimitedUpstreamOnlyRetriesWhenAsked() {
        List<String> calls = new ArrayList<>();
        Function<String, Response> limited = s -> {
            throw GatewayException.upstreamStatus(429, "slow down", Duration.ofSeconds(1));
        };
        assertThrows(GatewayException.class, () -> dispatcher.dispatch(exchange(List.of(target("a", 0, 1),
                target("b", 0, 1)), Optional.of(routing("failover", 0, false, List.of()))), attempts(calls, limited)));
        assertEquals(List.of("a"), calls);

        calls.clear();
        sleeps.clear();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(List.of(target("c", 0, 1), target("d", 0, 1)), Optional.of(routing("failover", 1, true, List.of()))),
                attempts(calls, limited)));
        assertEquals(List.of("c", "c", "d", "d"), calls);
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(1)), sleeps, "Retry-After honoured");
        assertEquals(ErrorCode.ALL_CANDIDATES_UNAVAILABLE, e.code());
        assertEquals(503, e.status());
        assertEquals(true, e.headers().contains("retry-after"));
    }

    @Test
    void fallbackOnStatusesFallsOverWithoutRetrying() {
        List<String> calls = new ArrayList<>();
        dispatcher.dispatch(exchange(List.of(target("a", 0, 1), target("b", 0, 1)),
                Optional.of(routing("failover", 3, false, List.of(404)))), attempts(calls, s -> {
                    if (s.equals("a")) {
                        throw GatewayException.upstreamStatus(404, "no such model", null);
                    }
                    return ok();
                }));
        assertEquals(List.of("a", "b"), calls);
    }

    @Test
    void higherPriorityTierGoesFirst() {
        List<String> calls = new ArrayList<>();
        dispatcher.dispatch(exchange(List.of(target("low", 0, 1), target("high", 5, 1)),
                Optional.of(routing("failover", 0, false, List.of()))), attempts(calls, s -> ok()));
        assertEquals(List.of("high"), calls);
    }

    @Test
    void weightedRoundRobinSpreadsByWeight() {
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < 40; i++) {
            List<String> calls = new ArrayList<>();
            dispatcher.dispatch(exchange(List.of(target("a", 0, 3), target("b", 0, 1)),
                    Optional.of(routing("round_robin", 0, false, List.of()))), attempts(calls, s -> ok()));
            counts.merge(calls.get(0), 1, Integer::sum);
        }
        assertEquals(30, counts.get("a"));
        assertEquals(10, counts.get("b"));
    }

    @Test
    void modelHealthFollowsConsecutiveFailures() {
        ModelHealth h = dispatcher.health();
        for (int i = 0; i < 4; i++) {
            h.failure("m");
        }
        assertEquals(1, h.level("m"));
        for (int i = 0; i < 4; i++) {
            h.failure("m");
        }
        assertEquals(2, h.level("m"));
        h.success("m");
        assertEquals(0, h.level("m"));
    }
}
