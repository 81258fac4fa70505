package io.aisix.kernel.dispatch;

import io.aisix.kernel.chain.CompiledChain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
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
import java.util.function.LongSupplier;

/**
 * The end of the request chain: picks upstream candidates in routing order and runs the ATTEMPT
 * chain for each try, with retries, backoff and fallback, all before the first byte reaches the
 * caller (a streamed answer counts as delivered once its adapter returned it).
 *
 * <ul>
 *   <li>Order: priority tiers (higher first), then the strategy inside a tier: {@code failover}
 *       (declaration order), {@code round_robin} (smooth weighted), {@code least_latency} (EWMA of
 *       upstream latency, unsampled targets first). Targets in cooldown go last.</li>
 *   <li>Retry on the same target for 5xx, timeouts and transport errors, 429 only with
 *       {@code retry_on_429}; backoff honours {@code Retry-After} up to 5 s, else 250 ms doubling
 *       to 2 s plus jitter. Same-target retries default to {@code upstream.retries} for a lone
 *       target and to 0 when another target is queued.</li>
 *   <li>Fall over to the next target on the same errors and on {@code fallback_on_statuses};
 *       other 4xx answers go straight back to the caller.</li>
 *   <li>When every candidate of a routing model failed: 503 {@code all_candidates_unavailable}
 *       with {@code Retry-After}.</li>
 * </ul>
 */
public final class Dispatcher {
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration COOLDOWN = Duration.ofSeconds(30);
    private static final double EWMA_ALPHA = 0.3;

    private final int defaultRetries;
    private final ModelHealth health;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final Map<String, Long> cooldownUntil = new ConcurrentHashMap<>();
    private final Map<String, Double> latencyEwma = new ConcurrentHashMap<>();
    private final Map<String, SmoothRoundRobin> roundRobins = new ConcurrentHashMap<>();

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

    public Response dispatch(Exchange exchange, CompiledChain attempt) {
        CoreAttrs.TargetList list = exchange.attr(CoreAttrs.TARGETS).orElseThrow(() ->
                new GatewayException(ErrorCode.INTERNAL, "no model resolution filter ran for this endpoint"));
        Optional<Model.Routing> routing = list.routing();
        List<Target> ordered = order(list.targets(), routing, exchange.attr(CoreAttrs.MODEL).map(Model::id).orElse(""));
        if (ordered.isEmpty()) {
            throw new GatewayException(ErrorCode.ALL_CANDIDATES_UNAVAILABLE, "no upstream target is configured");
        }
        boolean retryOn429 = routing.map(Model.Routing::retryOn429).orElse(false);
        List<Integer> fallbackStatuses = routing.map(Model.Routing::fallbackOnStatuses).orElse(List.of());
        GatewayException last = null;
        int tries = 0;
        for (int t = 0; t < ordered.size(); t++) {
            Target target = ordered.get(t);
            boolean more = t < ordered.size() - 1;
            int retries = routing.map(Model.Routing::retries).filter(r -> r > 0).orElse(more ? 0 : defaultRetries);
            for (int n = 0; n <= retries; n++) {
                exchange.attr(CoreAttrs.TARGET, target);
                exchange.attr(CoreAttrs.ATTEMPTS, ++tries);
                long start = nanoClock.getAsLong();
                try {
                    Response r = attempt.execute(exchange);
                    succeeded(target, nanoClock.getAsLong() - start);
                    return routing.isPresent()
                            ? r.withHeaders(Headers.of("x-aisix-served-by", target.servedBy()))
                            : r;
                } catch (GatewayException e) {
                    last = e;
                    Failure kind = classify(e, retryOn429, fallbackStatuses);
                    if (kind == Failure.FINAL) {
                        health.success(target.model().id()); // the upstream answered; the request was at fault
                        throw e;
                    }
                    failed(target, e);
                    if (kind == Failure.FALL_OVER || n == retries) {
                        break;
                    }
                    backoff(n, e.retryAfter());
                }
            }
        }
        if (routing.isPresent() && ordered.size() > 1) {
            long retryAfter = Math.max(1, cooldownRemainingSeconds(ordered));
            throw GatewayException.withHeaders(ErrorCode.ALL_CANDIDATES_UNAVAILABLE,
                    "all " + ordered.size() + " upstream candidates failed", Duration.ofSeconds(retryAfter),
                    Headers.of("retry-after", Long.toString(retryAfter)));
        }
        throw last;
    }

    private enum Failure { FINAL, RETRY, FALL_OVER }

    private static Failure classify(GatewayException e, boolean retryOn429, List<Integer> fallbackStatuses) {
        int status = e.upstreamStatus();
        if (status != 0 && fallbackStatuses.contains(status)) {
            return Failure.FALL_OVER;
        }
        return switch (e.code()) {
            case UPSTREAM_ERROR, TIMEOUT -> Failure.RETRY;
            case RATE_LIMIT_EXCEEDED -> status == 429 && retryOn429 ? Failure.RETRY : Failure.FINAL;
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

    private boolean cooling(Target t, long now) {
        Long until = cooldownUntil.get(t.servedBy());
        return until != null && until > now;
    }

    List<Target> order(List<Target> targets, Optional<Model.Routing> routing, String modelId) {
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
        return healthy;
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
}
