package io.aisix.spi.resource;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A model alias ({@code models}): either direct (one provider key and upstream model) or a
 * routing model over other aliases.
 *
 * @param id              the resource id (the store key)
 * @param displayName     the alias callers send; may hold one {@code *} (wildcard alias)
 * @param providerKeyId   the {@code provider_keys} id of a direct model; empty for a routing model
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
 * @param rateLimit       {@code rate_limit}: limits on every request to this alias, on top of the caller's
 * @param cost            {@code cost} of a direct model, for spend and budgets; empty when unpriced
 * @param routing         {@code routing} of a routing model; empty for a direct model
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

    /** True when the alias holds a {@code *}: it answers every alias the pattern matches. */
    public boolean isWildcard() {
        return displayName.indexOf('*') >= 0;
    }

    /** True for a routing model, whose targets are other aliases; false for a direct model. */
    public boolean isRouting() {
        return routing.isPresent();
    }

    /**
     * A direct model's prices ({@code cost}), in AISIX's {@code ModelCost} spelling: USD per 1000
     * tokens. The three fields after {@code output_per_1k} are this gateway's additions.
     *
     * @param inputPer1k       {@code input_per_1k}: prompt tokens not read from a prompt cache
     * @param outputPer1k      {@code output_per_1k}: completion tokens
     * @param cachedInputPer1k {@code cached_input_per_1k}: prompt tokens read from the provider's
     *                         prompt cache ({@link io.aisix.spi.Usage#cacheReadTokens()}); defaults to
     *                         {@code inputPer1k}
     * @param perImage         {@code per_image}: USD per generated image ({@code /v1/images/generations},
     *                         the images the answer carried)
     * @param perSecond        {@code per_second}: USD per second of transcribed audio
     *                         ({@code /v1/audio/transcriptions}, as the upstream reported it)
     */
    public record Cost(double inputPer1k, double outputPer1k, double cachedInputPer1k, double perImage,
                       double perSecond) {

        /** Token prices only; cached input at the input price. */
        public Cost(double inputPer1k, double outputPer1k) {
            this(inputPer1k, outputPer1k, inputPer1k, 0, 0);
        }

        /**
         * The price of one answer's usage in nano-USD (10<sup>-9</sup> USD), rounded to the nearest:
         * {@code (prompt - cacheRead) * input + cacheRead * cachedInput + completion * output}, per
         * 1000 tokens. Integral so that sums (budgets, Redis {@code INCRBY}) are exact; a long holds
         * up to 9.2 billion USD. Pure and allocation-free, so every plugin that needs a request's
         * cost computes the same number from the model and {@link io.aisix.spi.CoreAttrs#USAGE}.
         */
        public long nanoUsd(io.aisix.spi.Usage usage) {
            long cacheRead = Math.min(Math.max(0, usage.cacheReadTokens()), Math.max(0, usage.promptTokens()));
            long fresh = Math.max(0, usage.promptTokens()) - cacheRead;
            double perTokenScale = 1e6; // USD per 1000 tokens = 10^6 nano-USD per token
            double nanos = (fresh * inputPer1k + cacheRead * cachedInputPer1k
                    + Math.max(0, usage.completionTokens()) * outputPer1k) * perTokenScale;
            return nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.round(nanos);
        }

        /**
         * The price of one answer in nano-USD: its tokens as {@link #nanoUsd(io.aisix.spi.Usage)} (none
         * when {@code usage} is null) plus {@code images * per_image} plus
         * {@code audioSeconds * per_second}.
         */
        public long nanoUsd(io.aisix.spi.Usage usage, int images, double audioSeconds) {
            double media = (Math.max(0, images) * perImage + Math.max(0, audioSeconds) * perSecond) * 1e9;
            long tokens = usage == null ? 0 : nanoUsd(usage);
            double total = tokens + media;
            return total >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.round(total);
        }

        /**
         * What a finished request cost, in nano-USD, at the prices of the target that answered
         * ({@link io.aisix.spi.CoreAttrs#TARGET}): its usage, images and audio seconds as the adapter
         * published them. -1 when that target has no {@code cost} or the answer reported nothing to
         * price (a failed request); shared by every plugin that needs the number.
         */
        public static long of(io.aisix.spi.Exchange exchange) {
            java.util.Optional<io.aisix.spi.provider.Target> target = exchange.attr(io.aisix.spi.CoreAttrs.TARGET);
            if (target.isEmpty() || target.get().model().cost().isEmpty()) {
                return -1;
            }
            java.util.Optional<io.aisix.spi.Usage> usage = exchange.attr(io.aisix.spi.CoreAttrs.USAGE);
            java.util.Optional<Integer> images = exchange.attr(io.aisix.spi.CoreAttrs.IMAGES);
            java.util.Optional<Double> seconds = exchange.attr(io.aisix.spi.CoreAttrs.AUDIO_SECONDS);
            if (usage.isEmpty() && images.isEmpty() && seconds.isEmpty()) {
                return -1;
            }
            return target.get().model().cost().get().nanoUsd(usage.orElse(null), images.orElse(0), seconds.orElse(0.0));
        }

        /** Nano-USD as USD. */
        public static double usd(long nanoUsd) {
            return nanoUsd / 1e9;
        }
    }

    /**
     * A routing model's {@code routing}: how its targets are ordered and tried.
     *
     * @param strategy           one of {@link #STRATEGIES}
     * @param targets            the aliases it routes to, as declared
     * @param retries            same-target retries for targets without their own {@code retries}
     * @param retryOn429         {@code retry_on_429}: an upstream 429 is retried and falls over like a
     *                           5xx; false (the default) answers it at once
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

    /**
     * A routing target.
     *
     * @param model    another alias, by name
     * @param weight   its share within its tier for weighted strategies (default 1)
     * @param priority its tier: higher tiers are tried first (default 0)
     */
    public record Target(String model, int weight, int priority) {
    }
}
