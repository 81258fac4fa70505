package io.aisix.kernel.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.chain.CompiledChain;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
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
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Duration> sleeps = new ArrayList<>();
    private final Dispatcher dispatcher = new Dispatcher(2, new ModelHealth(), now::get, sleeps::add);

    private static Target target(String name, int priority, int weight) {
        return target(name, priority, weight, OptionalInt.empty(), Optional.empty());
    }

    private static Target target(String name, int priority, int weight, OptionalInt retries,
                                 Optional<Model.Cost> cost) {
        Model m = new Model("id-" + name, name, Optional.of("k"), Optional.of(name), Optional.empty(),
                OptionalLong.empty(), OptionalLong.empty(), retries, Optional.empty(), cost, Optional.empty());
        ProviderKey k = new ProviderKey("k", "k", "openai", Optional.empty(), "secret", Optional.empty(),
                Optional.empty(), Map.of(), Optional.empty(), true);
        return new Target("alias", name, m, k, name, "openai", priority, weight);
    }

    private static KernelExchange exchange(List<Target> targets, Optional<Model.Routing> routing, String... headers) {
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
                Headers.of(headers), "{}".getBytes(), empty, "rid", 0);
        ex.attr(CoreAttrs.TARGETS, new CoreAttrs.TargetList(targets, routing));
        return ex;
    }

    private static Model.Routing routing(String strategy, int retries, boolean retryOn429, List<Integer> fallback) {
        return new Model.Routing(strategy, List.of(), OptionalInt.of(retries), retryOn429, fallback, OptionalInt.empty(),
                Model.Routing.DEFAULT_HASH_ON);
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

    private static Model.Routing whenAll(String policy) {
        return new Model.Routing("round_robin", List.of(), OptionalInt.of(0), false, List.of(), OptionalInt.empty(),
                Model.Routing.DEFAULT_HASH_ON, policy);
    }

    /** Fails every target until it is down (8 consecutive failures) and cooling down. */
    private void downAll(List<Target> targets, Model.Routing routing) {
        for (int i = 0; i < ModelHealth.DOWN_AFTER; i++) {
            List<String> calls = new ArrayList<>();
            assertThrows(GatewayException.class, () -> dispatcher.dispatch(exchange(targets, Optional.of(routing)),
                    attempts(calls, s -> {
                        throw GatewayException.upstreamStatus(500, "down", null);
                    })));
            assertEquals(targets.size(), calls.size(), "targets merely cooling down are still tried (round " + i + ")");
        }
    }

    @Test
    void whenAllUnavailableFailAnswers503RetryAfter30WithoutAnUpstreamCall() {
        List<Target> targets = List.of(target("a", 0, 1), target("b", 0, 1));
        downAll(targets, whenAll("fail"));
        List<String> calls = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(targets, Optional.of(whenAll("fail"))), attempts(calls, s -> ok())));
        assertEquals(List.of(), calls);
        assertEquals(503, e.status());
        assertEquals(ErrorCode.ALL_CANDIDATES_UNAVAILABLE, e.code());
        assertEquals("30", e.headers().first("retry-after").orElseThrow());
        // the cooldown over, one request probes them again; a success makes the target healthy
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertEquals(200, dispatcher.dispatch(exchange(targets, Optional.of(whenAll("fail"))),
                attempts(calls, s -> ok())).status());
    }

    @Test
    void whenAllUnavailableTryAnywayTriesEveryTargetInDeclarationOrder() {
        List<Target> targets = List.of(target("a", 0, 1), target("b", 0, 1), target("c", 0, 1));
        downAll(targets, whenAll("try_anyway"));
        List<String> calls = new ArrayList<>();
        Response r = dispatcher.dispatch(exchange(targets, Optional.of(whenAll("try_anyway"))),
                attempts(calls, s -> {
                    if (!s.equals("c")) {
                        throw GatewayException.upstreamStatus(500, "still down", null);
                    }
                    return ok();
                }));
        assertEquals(List.of("a", "b", "c"), calls);
        assertEquals("c", r.headers().first("x-aisix-served-by").orElseThrow());
    }

    @Test
    void aStreamedUploadIsTriedOnceButAnUnusableKeyStillFallsOver() {
        byte[] form = "--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm\r\n--B--\r\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.function.Function<String, KernelExchange> upload = first -> {
            KernelExchange ex = exchange(List.of(target(first, 0, 1), target("b", 0, 1)),
                    Optional.of(routing("failover", 2, false, List.of())));
            ex.upload(io.aisix.support.MultipartUpload.read("multipart/form-data; boundary=B",
                    new java.io.ByteArrayInputStream(form), form.length, 1 << 20));
            return ex;
        };
        List<String> calls = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(upload.apply("a"),
                attempts(calls, s -> {
                    throw GatewayException.upstreamStatus(503, "x", null);
                })));
        assertEquals(List.of("a"), calls, "no retry, no fallback: the body cannot be sent again");
        assertEquals(502, e.status());

        calls.clear();
        // a fresh first target ("a" cools down now)
        Response r = dispatcher.dispatch(upload.apply("c"), attempts(calls, s -> {
            if (s.equals("c")) {
                throw new GatewayException(ErrorCode.PROVIDER_KEY_UNUSABLE, "no api_base");
            }
            return ok();
        }));
        assertEquals(List.of("c", "b"), calls, "an unusable key fails before anything was sent");
        assertEquals(200, r.status());
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
    void fallbackOnStatusesAreRetriedAndFallOverLikeFiveHundreds() {
        List<String> calls = new ArrayList<>();
        dispatcher.dispatch(exchange(List.of(target("a", 0, 1), target("b", 0, 1)),
                Optional.of(routing("failover", 2, false, List.of(409)))), attempts(calls, s -> {
                    if (s.equals("a")) {
                        throw GatewayException.upstreamStatus(409, "queue full", null);
                    }
                    return ok();
                }));
        assertEquals(List.of("a", "a", "a", "b"), calls);

        calls.clear();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(List.of(target("c", 0, 1), target("d", 0, 1)), Optional.of(routing("failover", 2, false,
                        List.of()))), attempts(calls, s -> {
                    throw GatewayException.upstreamStatus(409, "queue full", null);
                })));
        assertEquals(List.of("c"), calls, "an unlisted 4xx goes back to the caller");
        assertEquals(409, e.status());
    }

    @Test
    void aTargetsOwnRetriesComeBeforeTheRoutingModelsAndTheDefault() {
        List<String> calls = new ArrayList<>();
        Function<String, Response> aFails = s -> {
            if (s.startsWith("a")) {
                throw GatewayException.upstreamStatus(500, "x", null);
            }
            return ok();
        };
        dispatcher.dispatch(exchange(List.of(target("a1", 0, 1, OptionalInt.of(2), Optional.empty()),
                target("b", 0, 1)), Optional.of(routing("failover", 0, false, List.of()))), attempts(calls, aFails));
        assertEquals(List.of("a1", "a1", "a1", "b"), calls, "the model's retries: 2 beat routing.retries: 0");

        calls.clear();
        dispatcher.dispatch(exchange(List.of(target("a2", 0, 1), target("b", 0, 1)),
                Optional.of(routing("failover", 1, false, List.of()))), attempts(calls, aFails));
        assertEquals(List.of("a2", "a2", "b"), calls, "routing.retries");

        calls.clear();
        dispatcher.dispatch(exchange(List.of(target("a3", 0, 1), target("b", 0, 1)), Optional.of(
                new Model.Routing("failover", List.of(), OptionalInt.empty(), false, List.of(), OptionalInt.empty(),
                        List.of()))),
                attempts(calls, aFails));
        assertEquals(List.of("a3", "b"), calls, "no retries configured: none while another target is queued");

        calls.clear();
        assertThrows(GatewayException.class, () -> dispatcher.dispatch(exchange(List.of(target("a4", 0, 1)),
                Optional.of(routing("failover", 0, false, List.of()))), attempts(calls, aFails)));
        assertEquals(List.of("a4"), calls, "an explicit routing.retries: 0 is not the default");
    }

    @Test
    void aBackupTierAbsorbsTheFailureOfTheActiveTier() {
        List<String> calls = new ArrayList<>();
        Response r = dispatcher.dispatch(exchange(List.of(target("backup", -1, 1), target("active1", 0, 1),
                target("active2", 0, 1)), Optional.of(routing("round_robin", 0, false, List.of()))),
                attempts(calls, s -> {
                    if (s.startsWith("active")) {
                        throw new GatewayException(ErrorCode.TIMEOUT, "slow");
                    }
                    return ok();
                }));
        assertEquals(3, calls.size());
        assertEquals(java.util.Set.of("active1", "active2"), java.util.Set.copyOf(calls.subList(0, 2)));
        assertEquals("backup", calls.get(2));
        assertEquals("backup", r.headers().first("x-aisix-served-by").orElseThrow());
    }

    @Test
    void maxFallbacksCapsTheTargetsTried() {
        List<String> calls = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(exchange(List.of(
                target("m1", 0, 1), target("m2", 0, 1), target("m3", 0, 1)), Optional.of(new Model.Routing("failover",
                List.of(), OptionalInt.of(0), false, List.of(), OptionalInt.of(1), List.of()))), attempts(calls, s -> {
                    throw GatewayException.upstreamStatus(502, "x", null);
                })));
        assertEquals(List.of("m1", "m2"), calls);
        assertEquals(ErrorCode.ALL_CANDIDATES_UNAVAILABLE, e.code());
    }

    @Test
    void anUnusableProviderKeyFallsOverAtOnceAndAloneIsA400() {
        List<String> calls = new ArrayList<>();
        Function<String, Response> misconfigured = s -> {
            if (s.startsWith("bad")) {
                throw new GatewayException(ErrorCode.PROVIDER_KEY_UNUSABLE, "provider key 'k' has no api_base");
            }
            return ok();
        };
        dispatcher.dispatch(exchange(List.of(target("bad1", 0, 1), target("good", 0, 1)),
                Optional.of(routing("failover", 3, false, List.of()))), attempts(calls, misconfigured));
        assertEquals(List.of("bad1", "good"), calls, "no retry: configuration does not mend itself");

        calls.clear();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(List.of(target("bad2", 0, 1)), Optional.empty()), attempts(calls, misconfigured)));
        assertEquals(List.of("bad2"), calls);
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.code().type());
    }

    @Test
    void refusedCredentialsGoBackToTheCallerAndCoolTheTarget() {
        List<String> calls = new ArrayList<>();
        Function<String, Response> refused = s -> {
            if (s.equals("locked")) {
                throw GatewayException.upstreamStatus(401, "the upstream refused provider key 'k'", null);
            }
            return ok();
        };
        List<Target> targets = List.of(target("locked", 0, 1), target("open", 0, 1));
        GatewayException e = assertThrows(GatewayException.class, () -> dispatcher.dispatch(
                exchange(targets, Optional.of(routing("failover", 2, false, List.of()))), attempts(calls, refused)));
        assertEquals(List.of("locked"), calls, "not retried, no failover unless listed in fallback_on_statuses");
        assertEquals(401, e.status());
        assertEquals(ErrorCode.UPSTREAM_AUTH_FAILED, e.code());

        calls.clear();
        dispatcher.dispatch(exchange(targets, Optional.of(routing("failover", 2, false, List.of()))),
                attempts(calls, refused));
        assertEquals(List.of("open"), calls, "the refused target cools down");

        calls.clear();
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        dispatcher.dispatch(exchange(targets, Optional.of(routing("failover", 2, false, List.of(401)))),
                attempts(calls, refused));
        assertEquals(List.of("locked", "locked", "locked", "open"), calls, "listed: retried and failed over");
    }

    @Test
    void aStreamThatFailsBeforeItsFirstEventFallsOver() {
        List<String> calls = new ArrayList<>();
        List<String> closed = new ArrayList<>();
        Response r = dispatcher.dispatch(exchange(List.of(target("silent", 0, 1), target("live", 0, 1)),
                Optional.of(routing("failover", 0, false, List.of()))), attempts(calls, s -> new Response.Streaming(200,
                Headers.empty(), s.equals("silent")
                        ? stream(closed, s, new GatewayException(ErrorCode.TIMEOUT, "no first event"))
                        : stream(closed, s, null, "one", "two"))));
        assertEquals(List.of("silent", "live"), calls);
        assertEquals(List.of("silent"), closed, "the silent stream was closed, which cancels its upstream call");
        assertEquals("live", r.headers().first("x-aisix-served-by").orElseThrow());
        EventStream events = ((Response.Streaming) r).events();
        assertEquals("one", events.next().orElseThrow().data());
        assertEquals("two", events.next().orElseThrow().data());
        assertTrue(events.next().isEmpty());
        events.close();
        assertEquals(List.of("silent", "live"), closed);
    }

    @Test
    void aStreamThatFailsAfterItsFirstEventIsNotRetried() {
        List<String> calls = new ArrayList<>();
        Response r = dispatcher.dispatch(exchange(List.of(target("a", 0, 1), target("b", 0, 1)),
                Optional.of(routing("failover", 2, false, List.of()))), attempts(calls, s -> new Response.Streaming(200,
                Headers.empty(), stream(new ArrayList<>(), s, new GatewayException(ErrorCode.TIMEOUT, "stalled"),
                "first"))));
        EventStream events = ((Response.Streaming) r).events();
        assertEquals("first", events.next().orElseThrow().data());
        assertEquals(ErrorCode.TIMEOUT, assertThrows(GatewayException.class, events::next).code());
        assertEquals(List.of("a"), calls);
    }

    @Test
    void leastCostAndLeastBusyOrderATier() {
        Target cheap = target("cheap", 0, 1, OptionalInt.empty(), Optional.of(new Model.Cost(0.1, 0.2)));
        Target dear = target("dear", 0, 1, OptionalInt.empty(), Optional.of(new Model.Cost(1, 2)));
        Target uncosted = target("uncosted", 0, 1);
        assertEquals(List.of("cheap", "dear", "uncosted"), dispatcher.order(List.of(uncosted, dear, cheap),
                Optional.of(routing("least_cost", 0, false, List.of())), "m", null).stream().map(Target::servedBy).toList());

        // a stream held open on "busy" keeps it in flight
        Target busy = target("busy", 0, 1);
        Target idle = target("idle", 0, 1);
        Response held = dispatcher.dispatch(exchange(List.of(busy), Optional.empty()), attempts(new ArrayList<>(),
                s -> new Response.Streaming(200, Headers.empty(), stream(new ArrayList<>(), s, null, "x"))));
        Optional<Model.Routing> leastBusy = Optional.of(routing("least_busy", 0, false, List.of()));
        assertEquals(List.of("idle", "busy"), dispatcher.order(List.of(busy, idle), leastBusy, "m", null).stream()
                .map(Target::servedBy).toList());
        ((Response.Streaming) held).events().close();
        assertEquals(List.of("busy", "idle"), dispatcher.order(List.of(busy, idle), leastBusy, "m", null).stream()
                .map(Target::servedBy).toList(), "the slot is released when the stream ends");
    }

    @Test
    void consistentHashKeepsAKeyOnItsTargetAndMovesItOnlyWhenThatOneFails() {
        List<Target> targets = List.of(target("h1", 0, 1), target("h2", 0, 1), target("h3", 0, 1));
        Optional<Model.Routing> routing = Optional.of(routing("consistent_hash", 0, false, List.of()));
        KernelExchange first = exchange(targets, routing, "x-aisix-routing-key", "tenant-42");
        List<String> calls = new ArrayList<>();
        dispatcher.dispatch(first, attempts(calls, s -> ok()));
        String home = calls.get(0);
        for (int i = 0; i < 5; i++) {
            calls.clear();
            dispatcher.dispatch(exchange(targets, routing, "x-aisix-routing-key", "tenant-42"), attempts(calls, s -> ok()));
            assertEquals(List.of(home), calls);
        }
        calls.clear();
        dispatcher.dispatch(exchange(targets, routing, "x-aisix-routing-key", "tenant-42"), attempts(calls, s -> {
            if (s.equals(home)) {
                throw GatewayException.upstreamStatus(503, "x", null);
            }
            return ok();
        }));
        assertEquals(home, calls.get(0));
        String next = calls.get(1);
        calls.clear();
        dispatcher.dispatch(exchange(targets, routing, "x-aisix-routing-key", "tenant-42"), attempts(calls, s -> ok()));
        assertEquals(List.of(next), calls, "while its target cools down the key stays on the next one");

        Model.Routing byCookie = new Model.Routing("consistent_hash", List.of(), OptionalInt.empty(), false, List.of(),
                OptionalInt.empty(), List.of(new Model.HashOn("cookie", "sid")));
        assertEquals("cookie:abc", Dispatcher.hashKey(exchange(targets, Optional.of(byCookie), "cookie",
                "theme=dark; sid=abc"), byCookie.hashOn()));
        assertEquals(null, Dispatcher.hashKey(exchange(targets, routing), Model.Routing.DEFAULT_HASH_ON),
                "no header and no caller key: declaration order");
        List<Model.HashOn> byIp = List.of(new Model.HashOn("client_ip", ""), new Model.HashOn("api_key", ""));
        KernelExchange fromIp = exchange(targets, routing);
        fromIp.attr(CoreAttrs.CLIENT_IP, "203.0.113.9");
        assertEquals("client_ip:203.0.113.9", Dispatcher.hashKey(fromIp, byIp), "the caller's address");
        assertEquals(null, Dispatcher.hashKey(exchange(targets, routing), byIp), "no address known: the next source");
        List<Target> fresh = List.of(target("n1", 0, 1), target("n2", 0, 1), target("n3", 0, 1));
        assertEquals(List.of("n1", "n2", "n3"), dispatcher.order(fresh, routing, "m", null).stream()
                .map(Target::servedBy).toList());
    }

    /** A stream of {@code data} events that then ends, or throws {@code failure}; records its close. */
    private static EventStream stream(List<String> closed, String name, GatewayException failure, String... data) {
        java.util.Iterator<String> it = List.of(data).iterator();
        return new EventStream() {
            @Override
            public Optional<SseEvent> next() {
                if (it.hasNext()) {
                    return Optional.of(SseEvent.data(it.next()));
                }
                if (failure != null) {
                    throw failure;
                }
                return Optional.empty();
            }

            @Override
            public void close() {
                closed.add(name);
            }
        };
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
