package io.aisix.spi.resource;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A model alias ({@code models}): either direct (one provider key and upstream model) or a
 * routing model over other aliases.
 *
 * @param displayName     the alias callers send; may hold one {@code *} (wildcard alias)
 * @param modelName       upstream model id; a {@code *} in it is replaced by the wildcard capture
 * @param provider        vendor id overriding the provider key's
 * @param timeoutMs       {@code timeout}: the end-to-end deadline of a non-streaming upstream call,
 *                        in milliseconds; 0 = none; on a routing model, the default of its targets
 * @param streamTimeoutMs {@code stream_timeout}: the longest wait for the next event of a streamed
 *                        answer (the first included), in milliseconds; on a routing model, the
 *                        default of its targets. Absent (or 0, as in AISIX) falls back as
 *                        {@link io.aisix.spi.provider.Target#streamTimeoutMs()} says
 * @param retries         {@code retries} of a direct model: same-target retries after a
 *                        retryable failure, before the request gives up or falls over
 * @param promptCaching   {@code auto_prompt_caching} of a direct model when {@code enabled}: the
 *                        Anthropic adapter adds {@code cache_control} breakpoints to requests that
 *                        carry none
 */
public record Model(String id, String displayName, Optional<String> providerKeyId, Optional<String> modelName,
                    Optional<String> provider, OptionalLong timeoutMs, OptionalLong streamTimeoutMs,
                    OptionalInt retries, Optional<RateLimit> rateLimit, Optional<Cost> cost,
                    Optional<Routing> routing, Optional<PromptCaching> promptCaching) {

    /** A model without {@code auto_prompt_caching}. */
    public Model(String id, String displayName, Optional<String> providerKeyId, Optional<String> modelName,
                 Optional<String> provider, OptionalLong timeoutMs, OptionalLong streamTimeoutMs,
                 OptionalInt retries, Optional<RateLimit> rateLimit, Optional<Cost> cost,
                 Optional<Routing> routing) {
        this(id, displayName, providerKeyId, modelName, provider, timeoutMs, streamTimeoutMs, retries, rateLimit, cost,
                routing, Optional.empty());
    }

    /**
     * Enabled {@code auto_prompt_caching}.
     *
     * @param ttl the lifetime of the injected breakpoints: {@code 5m} (AISIX's default) or {@code 1h}
     */
    public record PromptCaching(String ttl) {
        /** The lifetimes Anthropic offers. */
        public static final List<String> TTLS = List.of("5m", "1h");
    }

    public boolean isWildcard() {
        return displayName.indexOf('*') >= 0;
    }

    public boolean isRouting() {
        return routing.isPresent();
    }

    /** Prices in USD per 1000 tokens. */
    public record Cost(double inputPer1k, double outputPer1k) {
    }

    /**
     * @param strategy           one of {@link #STRATEGIES}
     * @param retries            same-target retries for targets without their own {@code retries}
     * @param maxFallbacks       how many later targets may be tried after the first one failed
     *                           (absent: all)
     * @param fallbackOnStatuses upstream statuses that are retried and fall over like a 5xx
     * @param hashOn             where {@code consistent_hash} takes its key from, first non-empty wins
     * @param whenAllUnavailable what happens when every target is unavailable by runtime health
     *                           (down after repeated failures and cooling down): {@code fail}
     *                           (AISIX's default: 503 {@code all_candidates_unavailable} with
     *                           {@code Retry-After: 30}, no upstream call) or {@code try_anyway}
     *                           (every target is tried, in declaration order)
     */
    public record Routing(String strategy, List<Target> targets, OptionalInt retries, boolean retryOn429,
                          List<Integer> fallbackOnStatuses, OptionalInt maxFallbacks, List<HashOn> hashOn,
                          String whenAllUnavailable) {
        /** The values {@code when_all_unavailable} may take. */
        public static final List<String> WHEN_ALL_UNAVAILABLE = List.of("fail", "try_anyway");

        /** With AISIX's default {@code when_all_unavailable: fail}. */
        public Routing(String strategy, List<Target> targets, OptionalInt retries, boolean retryOn429,
                       List<Integer> fallbackOnStatuses, OptionalInt maxFallbacks, List<HashOn> hashOn) {
            this(strategy, targets, retries, retryOn429, fallbackOnStatuses, maxFallbacks, hashOn, "fail");
        }

        /** True with {@code try_anyway}. */
        public boolean tryAnyway() {
            return "try_anyway".equals(whenAllUnavailable);
        }

        /** The strategies a routing model may name (AISIX's set). */
        public static final List<String> STRATEGIES = List.of("failover", "round_robin", "least_latency", "least_cost",
                "least_busy", "consistent_hash");
        /** AISIX's default key: the {@code x-aisix-routing-key} header, else the caller's key id. */
        public static final List<HashOn> DEFAULT_HASH_ON = List.of(new HashOn("header", "x-aisix-routing-key"),
                new HashOn("api_key", ""));
    }

    /**
     * One source of a {@code consistent_hash} key.
     *
     * @param type {@code header}, {@code cookie}, {@code api_key} (the caller key's id) or
     *             {@code client_ip}
     * @param name the header or cookie name; empty for the other types
     */
    public record HashOn(String type, String name) {
    }

    /** A routing target: another alias by name, its weight and its priority tier (higher first). */
    public record Target(String model, int weight, int priority) {
    }
}
