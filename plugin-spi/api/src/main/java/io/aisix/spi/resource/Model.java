package io.aisix.spi.resource;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A model alias ({@code models}): either direct (one provider key and upstream model) or a
 * routing model over other aliases.
 *
 * @param displayName the alias callers send; may hold one {@code *} (wildcard alias)
 * @param modelName   upstream model id; a {@code *} in it is replaced by the wildcard capture
 * @param provider    vendor id overriding the provider key's
 */
public record Model(String id, String displayName, Optional<String> providerKeyId, Optional<String> modelName,
                    Optional<String> provider, OptionalLong timeoutMs, Optional<RateLimit> rateLimit,
                    Optional<Cost> cost, Optional<Routing> routing) {

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
     * @param strategy           {@code failover}, {@code round_robin} or {@code least_latency}
     * @param fallbackOnStatuses upstream statuses that fall over to the next target besides the defaults
     */
    public record Routing(String strategy, List<Target> targets, int retries, boolean retryOn429,
                          List<Integer> fallbackOnStatuses) {
    }

    /** A routing target: another alias by name, its weight and its priority tier (lower first). */
    public record Target(String model, int weight, int priority) {
    }
}
