package io.aisix.kernel.dispatch;

import io.aisix.kernel.chain.CompiledChain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The end of the request chain: picks upstream candidates in routing order and runs the ATTEMPT
 * chain for each try, with retries, backoff and fallback, all before the first byte reaches the
 * caller.
 *
 * <ul>
 *   <li>Order: priority tiers (higher first; a lower tier is reached only when every target of the
 *       tiers above failed), then the strategy inside a tier: {@code failover} (declaration order),
 *       {@code round_robin} (smooth weighted), {@code least_latency} (EWMA of the latency to the
 *       answer, or to the first event of a stream; unsampled targets first), {@code least_cost}
 *       (cheapest {@code cost} input + output, uncosted last), {@code least_busy} (fewest tries in
 *       flight per unit of {@code weight}), {@code consistent_hash} ({@link HashRing} on the first
 *       non-empty {@code hash_on} source: a header, a cookie, the caller key's id or the client's
 *       address; declaration
 *       order when there is none). Targets in cooldown go last; {@code max_fallbacks} caps how many
 *       targets after the first are tried.</li>
 *   <li>A try has succeeded once its answer is in hand: a whole body, or for a stream its first
 *       event. A stream whose upstream answered 200 and then failed or stayed silent before its
 *       first event is a failed try like any other; after the first event nothing is retried (the
 *       kernel ends the stream with an error event).</li>
 *   <li>Retry on the same target for 5xx, timeouts, transport errors and the statuses listed in
 *       {@code fallback_on_statuses}, 429 only with {@code retry_on_429}; backoff honours
 *       {@code Retry-After} up to 5 s, else 250 ms doubling to 2 s plus jitter. Same-target retries:
 *       the target model's {@code retries}, else {@code routing.retries}, else
 *       {@code upstream.retries} for the last target and 0 when another target is queued.</li>
 *   <li>After the retries, fall over to the next target. A provider key the adapter cannot use
 *       falls over at once (retrying cannot mend configuration). Other 4xx answers, upstream
 *       credential refusals (401/403) included, go straight back to the caller; a refusal still
 *       counts against the target's health and cools it down.</li>
 *   <li>A streamed upload ({@link Exchange#upload()}) is tried once: its body cannot be sent twice.</li>
 *   <li>When every candidate of a routing model failed: 503 {@code all_candidates_unavailable}
 *       with {@code Retry-After}; a lone target returns its own error.</li>
 *   <li>Targets cooling down go last, and are still tried when nothing else is left. When every
 *       target of a routing model is unavailable before the first try (down after 8 consecutive
 *       failures and cooling down), {@code when_all_unavailable} decides: {@code fail} (the
 *       default) answers 503 {@code all_candidates_unavailable} with {@code Retry-After: 30}
 *       without an upstream call; {@code try_anyway} tries them all in declaration order.</li>
 * </ul>
 */
public final class Dispatcher {
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration COOLDOWN = Duration.ofSeconds(30);
    private static final double EWMA_ALPHA = 0.3;
    /** AISIX's fixed {@code Retry-After} when every target is unavailable and the policy is {@code fail}. */
    private static final Duration ALL_UNAVAILABLE_RETRY = Duration.ofSeconds(30);

    private final int defaultRetries;
    private final ModelHealth health;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final Map<String, Long> cooldownUntil = new ConcurrentHashMap<>();
    private final Map<String, Double> latencyEwma = new ConcurrentHashMap<>();
    private final Map<String, SmoothRoundRobin> roundRobins = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, HashRing> rings = new ConcurrentHashMap<>();

    /** Waits between retries; tests replace it to stay fast. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public Dispatcher(int defaultRetries, ModelHealth health, LongSupplier nanoClock, Sleeper sleeper) {
        this.defaultRetries = defaultRetries;
        this.health = health;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    public ModelHealth health() {
        return health;
    }

    /**
     * How long the direct alias {@code servedBy} stays cooled down after a failed try (it goes
     * last in routing order meanwhile); empty when it is not cooling down.
     */
    public Optional<Duration> cooldownRemaining(String servedBy) {
        Long until = cooldownUntil.get(servedBy);
        long now = nanoClock.getAsLong();
        return until == null || until - now <= 0 ? Optional.empty() : Optional.of(Duration.ofNanos(until - now));
    }

    public Response dispatch(Exchange exchange, CompiledChain attempt) {
        CoreAttrs.TargetList list = exchange.attr(CoreAttrs.TARGETS).orElseThrow(() ->
                new GatewayException(ErrorCode.INTERNAL, "no model resolution filter ran for this endpoint"));
        Optional<Model.Routing> routing = list.routing();
        String hashKey = routing.filter(r -> r.strategy().equals("consistent_hash"))
                .map(r -> hashKey(exchange, r.hashOn())).orElse(null);
        List<Target> ordered = order(list.targets(), routing, exchange.attr(CoreAttrs.MODEL).map(Model::id).orElse(""),
                hashKey);
        if (ordered.isEmpty()) {
            throw new GatewayException(ErrorCode.ALL_CANDIDATES_UNAVAILABLE, "no upstream target is configured");
        }
        if (routing.isPresent() && allUnavailable(ordered)) {
            if (!routing.get().tryAnyway()) {
                throw GatewayException.withHeaders(ErrorCode.ALL_CANDIDATES_UNAVAILABLE, "all " + ordered.size()
                        + " upstream candidates are down and cooling down (when_all_unavailable: fail)",
                        ALL_UNAVAILABLE_RETRY, Headers.of("retry-after", Long.toString(ALL_UNAVAILABLE_RETRY.toSeconds())));
            }
            ordered = capped(list.targets(), routing.get()); // try_anyway: declaration order
        }
        boolean retryOn429 = routing.map(Model.Routing::retryOn429).orElse(false);
        List<Integer> fallbackStatuses = routing.map(Model.Routing::fallbackOnStatuses).orElse(List.of());
        GatewayException last = null;
        int tries = 0;
        for (int t = 0; t < ordered.size(); t++) {
            Target target = ordered.get(t);
            int retries = retries(target, routing, t < ordered.size() - 1);
            for (int n = 0; n <= retries; n++) {
                exchange.attr(CoreAttrs.TARGET, target);
                exchange.attr(CoreAttrs.ATTEMPTS, ++tries);
                long start = nanoClock.getAsLong();
                AtomicInteger busy = inFlight.computeIfAbsent(target.servedBy(), k -> new AtomicInteger());
                busy.incrementAndGet();
                boolean handedOver = false;
                try {
                    Response r = started(attempt.execute(exchange), busy);
                    handedOver = r instanceof Response.Streaming;
                    succeeded(target, nanoClock.getAsLong() - start);
                    return routing.isPresent()
                            ? r.withHeaders(Headers.of("x-aisix-served-by", target.servedBy()))
                            : r;
                } catch (GatewayException e) {
                    last = e;
                    Failure kind = classify(e, retryOn429, fallbackStatuses);
                    if (exchange.upload().isPresent() && kind == Failure.RETRY) {
                        // a streamed upload was (at least partly) consumed by this try: no other can send it
                        failed(target, e);
                        throw e;
                    }
                    if (kind == Failure.FINAL) {
                        health.success(target.model().id()); // the upstream answered; the request was at fault
                        throw e;
                    }
                    failed(target, e);
                    if (kind == Failure.REFUSED) {
                        throw e;
                    }
                    if (kind == Failure.FALL_OVER || n == retries) {
                        break;
                    }
                    backoff(n, e.retryAfter());
                } finally {
                    if (!handedOver) {
                        busy.decrementAndGet();
                    }
                }
            }
        }
        if (routing.isPresent() && ordered.size() > 1) {
            long retryAfter = Math.max(1, cooldownRemainingSeconds(ordered));
            throw GatewayException.withHeaders(ErrorCode.ALL_CANDIDATES_UNAVAILABLE,
                    "all " + ordered.size() + " upstream candidates failed (last: " + last.getMessage() + ")",
                    Duration.ofSeconds(retryAfter), Headers.of("retry-after", Long.toString(retryAfter)));
        }
        throw last;
    }

    /** Same-target retries: the target's own, the routing model's, else the deployment default for the last target. */
    private int retries(Target target, Optional<Model.Routing> routing, boolean anotherQueued) {
        if (target.model().retries().isPresent()) {
            return target.model().retries().getAsInt();
        }
        if (routing.isPresent() && routing.get().retries().isPresent()) {
            return routing.get().retries().getAsInt();
        }
        return anotherQueued ? 0 : defaultRetries;
    }

    /**
     * A stream counts as started once its first event is in hand: a failure before that is thrown
     * here (the stream closed), so it is retried or falls over like a failed answer. The stream
     * returned replays that event, then reads on; its end releases the target's in-flight slot.
     */
    private static Response started(Response r, AtomicInteger busy) {
        if (!(r instanceof Response.Streaming s)) {
            return r;
        }
        Optional<SseEvent> first;
        try {
            first = s.events().next();
        } catch (RuntimeException e) {
            s.events().close();
            throw e;
        }
        return new Response.Streaming(s.status(), s.headers(), new StartedStream(first, s.events(), busy));
    }

    /**
     * {@code FINAL}: the request was at fault; {@code REFUSED}: the upstream refused the provider
     * key (the target is at fault, yet another try cannot help and the caller must see why);
     * {@code RETRY}: transient; {@code FALL_OVER}: this target cannot serve, another might.
     */
    private enum Failure { FINAL, REFUSED, RETRY, FALL_OVER }

    private static Failure classify(GatewayException e, boolean retryOn429, List<Integer> fallbackStatuses) {
        int status = e.upstreamStatus();
        if (status != 0 && fallbackStatuses.contains(status)) {
            return Failure.RETRY;
        }
        return switch (e.code()) {
            case UPSTREAM_ERROR, TIMEOUT -> Failure.RETRY;
            case RATE_LIMIT_EXCEEDED -> status == 429 && retryOn429 ? Failure.RETRY : Failure.FINAL;
            case PROVIDER_KEY_UNUSABLE -> Failure.FALL_OVER;
            case UPSTREAM_AUTH_FAILED -> Failure.REFUSED;
            default -> Failure.FINAL;
        };
    }

    private void backoff(int n, Optional<Duration> retryAfter) {
        Duration wait;
        if (retryAfter.isPresent() && retryAfter.get().compareTo(MAX_RETRY_AFTER) <= 0) {
            wait = retryAfter.get();
        } else {
            wait = Duration.ofMillis(Math.min(2000, 250L << n) + ThreadLocalRandom.current().nextLong(250));
        }
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorCode.SERVICE_UNAVAILABLE, "interrupted while waiting to retry");
        }
    }

    private void succeeded(Target target, long nanos) {
        health.success(target.model().id());
        cooldownUntil.remove(target.servedBy());
        latencyEwma.merge(target.servedBy(), (double) nanos, (old, x) -> old + EWMA_ALPHA * (x - old));
    }

    private void failed(Target target, GatewayException e) {
        health.failure(target.model().id());
        long cool = e.retryAfter().filter(d -> d.compareTo(Duration.ofMinutes(10)) <= 0).orElse(COOLDOWN).toNanos();
        cooldownUntil.put(target.servedBy(), nanoClock.getAsLong() + cool);
    }

    private long cooldownRemainingSeconds(List<Target> targets) {
        long now = nanoClock.getAsLong();
        long min = Long.MAX_VALUE;
        for (Target t : targets) {
            Long until = cooldownUntil.get(t.servedBy());
            if (until != null && until > now) {
                min = Math.min(min, until - now);
            }
        }
        return min == Long.MAX_VALUE ? 1 : Duration.ofNanos(min).toSeconds() + 1;
    }

    /**
     * True when every target is unavailable: down by runtime health (8 or more consecutive
     * failures, this gateway's stand-in for AISIX's background health checks) and cooling down.
     * Targets merely cooling down are still tried (last) when nothing else is left, as AISIX does;
     * a down target's cooldown running out lets one request through to probe it (a success
     * resets its health).
     */
    private boolean allUnavailable(List<Target> targets) {
        long now = nanoClock.getAsLong();
        for (Target t : targets) {
            if (!cooling(t, now) || health.level(t.model().id()) < 2) {
                return false;
            }
        }
        return true;
    }

    /** The first {@code 1 + max_fallbacks} of {@code targets}. */
    private static List<Target> capped(List<Target> targets, Model.Routing routing) {
        int max = routing.maxFallbacks().isPresent() ? routing.maxFallbacks().getAsInt() : Integer.MAX_VALUE - 1;
        return targets.size() > max + 1 ? targets.subList(0, max + 1) : targets;
    }

    private boolean cooling(Target t, long now) {
        Long until = cooldownUntil.get(t.servedBy());
        return until != null && until > now;
    }

    /**
     * The first non-empty {@code hash_on} source of the request, null when none has a value. A
     * {@code client_ip} source is the caller's address as the kernel resolved it
     * ({@link CoreAttrs#CLIENT_IP}: the TCP peer, or the forwarded address when the peer is a
     * trusted proxy).
     */
    static String hashKey(Exchange exchange, List<Model.HashOn> sources) {
        for (Model.HashOn source : sources) {
            String v = switch (source.type()) {
                case "header" -> exchange.requestHeaders().first(source.name()).orElse("");
                case "cookie" -> cookie(exchange.requestHeaders().all("cookie"), source.name());
                case "api_key" -> exchange.attr(CoreAttrs.CALLER).map(c -> c.id()).orElse("");
                case "client_ip" -> exchange.attr(CoreAttrs.CLIENT_IP).orElse("");
                default -> "";
            };
            if (!v.isEmpty()) {
                return source.type() + ":" + v;
            }
        }
        return null;
    }

    private static String cookie(List<String> headers, String name) {
        for (String header : headers) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    return pair.substring(eq + 1).trim();
                }
            }
        }
        return "";
    }

    /**
     * @param hashKey the request's {@code consistent_hash} key; null keeps the declaration order
     */
    List<Target> order(List<Target> targets, Optional<Model.Routing> routing, String modelId, String hashKey) {
        if (targets.size() <= 1) {
            return targets;
        }
        String strategy = routing.map(Model.Routing::strategy).orElse("failover");
        List<Target> sorted = new ArrayList<>(targets);
        sorted.sort(Comparator.comparingInt(Target::priority).reversed()); // stable: keeps declaration order
        List<Target> out = new ArrayList<>(sorted.size());
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j < sorted.size() && sorted.get(j).priority() == sorted.get(i).priority()) {
                j++;
            }
            List<Target> tier = new ArrayList<>(sorted.subList(i, j));
            switch (strategy) {
                case "round_robin" -> tier = roundRobins
                        .computeIfAbsent(modelId + "#" + tier.get(0).priority() + "#" + tier.size(),
                                k -> new SmoothRoundRobin())
                        .order(tier);
                case "least_latency" -> tier.sort(Comparator.comparingDouble(
                        t -> latencyEwma.getOrDefault(t.servedBy(), 0.0)));
                case "least_cost" -> tier.sort(Comparator.comparingDouble(Dispatcher::cost));
                case "least_busy" -> tier.sort(Comparator.comparingDouble(this::load));
                case "consistent_hash" -> {
                    if (hashKey != null) {
                        tier = ring(modelId, tier).order(hashKey);
                    }
                }
                default -> {
                }
            }
            out.addAll(tier);
            i = j;
        }
        long now = nanoClock.getAsLong();
        List<Target> healthy = new ArrayList<>(out.size());
        List<Target> cooling = new ArrayList<>();
        for (Target t : out) {
            (cooling(t, now) ? cooling : healthy).add(t);
        }
        healthy.addAll(cooling);
        int max = routing.flatMap(r -> r.maxFallbacks().isPresent()
                ? Optional.of(r.maxFallbacks().getAsInt()) : Optional.empty()).orElse(Integer.MAX_VALUE - 1);
        return healthy.size() > max + 1 ? healthy.subList(0, max + 1) : healthy;
    }

    /**
     * The ring of a tier, built once per model and tier (its aliases and weights name it, so a
     * changed routing model gets a new ring; the map is cleared should configuration churn grow it).
     */
    private HashRing ring(String modelId, List<Target> tier) {
        StringBuilder key = new StringBuilder(modelId);
        for (Target t : tier) {
            key.append('\n').append(t.servedBy()).append('*').append(t.weight());
        }
        if (rings.size() > 4096) {
            rings.clear();
        }
        return rings.computeIfAbsent(key.toString(), k -> new HashRing(tier));
    }

    /** USD per 1000 input plus 1000 output tokens; uncosted targets rank last. */
    private static double cost(Target t) {
        return t.model().cost().map(c -> c.inputPer1k() + c.outputPer1k()).orElse(Double.MAX_VALUE);
    }

    /** Tries in flight per unit of weight; a weight of 0 ranks last. */
    private double load(Target t) {
        AtomicInteger n = inFlight.get(t.servedBy());
        int busy = n == null ? 0 : n.get();
        return t.weight() <= 0 ? Double.MAX_VALUE : (double) busy / t.weight();
    }

    /** Nginx-style smooth weighted round robin: picks the first target, the rest follow in tier order. */
    static final class SmoothRoundRobin {
        private int[] current = new int[0];

        synchronized List<Target> order(List<Target> tier) {
            if (current.length != tier.size()) {
                current = new int[tier.size()];
            }
            int total = 0;
            int best = 0;
            for (int k = 0; k < tier.size(); k++) {
                int w = Math.max(1, tier.get(k).weight());
                current[k] += w;
                total += w;
                if (current[k] > current[best]) {
                    best = k;
                }
            }
            current[best] -= total;
            List<Target> out = new ArrayList<>(tier.size());
            for (int k = 0; k < tier.size(); k++) {
                out.add(tier.get((best + k) % tier.size()));
            }
            return out;
        }
    }

    /** A stream whose first event was read by the dispatcher; releases the target's in-flight slot once. */
    private static final class StartedStream implements EventStream {
        private Optional<SseEvent> first;
        private final EventStream rest;
        private AtomicInteger busy;

        StartedStream(Optional<SseEvent> first, EventStream rest, AtomicInteger busy) {
            this.first = first;
            this.rest = rest;
            this.busy = busy;
        }

        @Override
        public Optional<SseEvent> next() {
            if (first != null) {
                Optional<SseEvent> f = first;
                first = null;
                if (f.isEmpty()) {
                    release();
                }
                return f;
            }
            try {
                Optional<SseEvent> e = rest.next();
                if (e.isEmpty()) {
                    release();
                }
                return e;
            } catch (RuntimeException e) {
                release();
                throw e;
            }
        }

        @Override
        public void close() {
            release();
            rest.close();
        }

        private void release() {
            if (busy != null) {
                busy.decrementAndGet();
                busy = null;
            }
        }
    }
}
