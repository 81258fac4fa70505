package io.aisix.plugin.ratelimit;

import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.CoreKinds;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.RateLimit;
import io.aisix.spi.resource.RateLimitPolicy;
import io.aisix.spi.resource.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which limits apply to whom, compiled once per snapshot. A request is admitted only when every
 * applicable limit passes (AND):
 * <ul>
 *   <li>the caller key's inline {@code rate_limit} (bucket {@code key:<key id>});</li>
 *   <li>the resolved model's inline {@code rate_limit} (bucket {@code model:<model id>}; a routing
 *       model's own limits, not its targets');</li>
 *   <li>every matching {@code rate_limit_policies} row: scope {@code api_key} matches the caller key
 *       id, {@code model} the requested alias, the model's {@code display_name} or its id,
 *       {@code team} the caller's {@code team_id}; an empty {@code scope_ref} matches every key,
 *       model or team, each with its own counter (bucket {@code policy:<id>:<scope>:<ref>}).</li>
 * </ul>
 * Inline fields map to windows: {@code rps} 1 s, {@code rpm} and {@code tpm} 60 s, {@code rpd} and
 * {@code tpd} 86400 s; {@code concurrency} counts requests in flight.
 *
 * <p>A policy's {@code schedules} suspend it: while one covers the current time, the policy does
 * not apply (nothing is checked or counted against it); its bucket is keyed by policy id and ref
 * only, so once the window ends the policy resumes the same counter (within the same fixed window,
 * what was counted before the suspension still counts).
 */
final class LimitPlan {
    private final Map<String, List<Limit>> keyLimits = new HashMap<>();
    private final Map<String, List<Limit>> modelLimits = new HashMap<>();
    private final List<RateLimitPolicy> keyPolicies = new ArrayList<>();
    private final List<RateLimitPolicy> modelPolicies = new ArrayList<>();
    private final List<RateLimitPolicy> teamPolicies = new ArrayList<>();

    LimitPlan(Snapshot snapshot) {
        for (CallerKey k : snapshot.all(CoreKinds.API_KEYS).values()) {
            k.rateLimit().ifPresent(rl -> put(keyLimits, k.id(), inline(rl, "key:" + k.id(), "api_key", "the API key")));
        }
        for (Model m : snapshot.all(CoreKinds.MODELS).values()) {
            m.rateLimit().ifPresent(rl -> put(modelLimits, m.id(), inline(rl, "model:" + m.id(), "model",
                    "model '" + m.displayName() + "'")));
        }
        for (RateLimitPolicy p : snapshot.all(CoreKinds.RATE_LIMIT_POLICIES).values()) {
            switch (p.scope()) {
                case "api_key" -> keyPolicies.add(p);
                case "model" -> modelPolicies.add(p);
                case "team" -> teamPolicies.add(p);
                default -> {
                    // the resource kind validates scope; nothing else reaches here
                }
            }
        }
    }

    private static void put(Map<String, List<Limit>> map, String id, List<Limit> limits) {
        if (!limits.isEmpty()) {
            map.put(id, List.copyOf(limits));
        }
    }

    boolean isEmpty() {
        return keyLimits.isEmpty() && modelLimits.isEmpty() && keyPolicies.isEmpty() && modelPolicies.isEmpty()
                && teamPolicies.isEmpty();
    }

    private static List<Limit> inline(RateLimit rl, String bucket, String scope, String who) {
        List<Limit> out = new ArrayList<>(6);
        add(out, rl.concurrency(), bucket, Limit.Kind.CONCURRENCY, 0, scope, "concurrency of " + who);
        add(out, rl.tpm(), bucket, Limit.Kind.TOKENS, 60, scope, "tpm of " + who);
        add(out, rl.tpd(), bucket, Limit.Kind.TOKENS, 86_400, scope, "tpd of " + who);
        add(out, rl.rps(), bucket, Limit.Kind.REQUESTS, 1, scope, "rps of " + who);
        add(out, rl.rpm(), bucket, Limit.Kind.REQUESTS, 60, scope, "rpm of " + who);
        add(out, rl.rpd(), bucket, Limit.Kind.REQUESTS, 86_400, scope, "rpd of " + who);
        return out;
    }

    private static void add(List<Limit> out, OptionalLong max, String bucket, Limit.Kind kind, long window,
                            String scope, String label) {
        if (max.isPresent()) {
            out.add(Limit.of(bucket, kind, max.getAsLong(), window, scope, label));
        }
    }

    static long windowSeconds(String window) {
        return switch (window) {
            case "second" -> 1;
            case "hour" -> 3_600;
            case "day" -> 86_400;
            default -> 60;
        };
    }

    private static void policy(List<Limit> out, RateLimitPolicy p, String ref) {
        String bucket = "policy:" + p.id() + ":" + p.scope() + ":" + ref;
        long window = windowSeconds(p.window());
        String label = "policy '" + p.name() + "'";
        add(out, p.maxTokens(), bucket, Limit.Kind.TOKENS, window, p.scope(), label + " (max_tokens per " + p.window() + ")");
        add(out, p.maxRequests(), bucket, Limit.Kind.REQUESTS, window, p.scope(),
                label + " (max_requests per " + p.window() + ")");
    }

    /** Every limit that applies to this caller and model at {@code now}; empty when none does. */
    List<Limit> applicable(Optional<CallerKey> caller, Optional<Model> model, String alias, Instant now) {
        List<Limit> out = new ArrayList<>(8);
        if (caller.isPresent()) {
            CallerKey k = caller.get();
            List<Limit> own = keyLimits.get(k.id());
            if (own != null) {
                out.addAll(own);
            }
            for (RateLimitPolicy p : keyPolicies) {
                if ((p.scopeRef().isEmpty() || p.scopeRef().get().equals(k.id())) && !p.suspendedAt(now)) {
                    policy(out, p, k.id());
                }
            }
            if (k.teamId().isPresent()) {
                String team = k.teamId().get();
                for (RateLimitPolicy p : teamPolicies) {
                    if ((p.scopeRef().isEmpty() || p.scopeRef().get().equals(team)) && !p.suspendedAt(now)) {
                        policy(out, p, team);
                    }
                }
            }
        }
        if (model.isPresent()) {
            Model m = model.get();
            List<Limit> own = modelLimits.get(m.id());
            if (own != null) {
                out.addAll(own);
            }
            for (RateLimitPolicy p : modelPolicies) {
                Optional<String> ref = p.scopeRef();
                if ((ref.isEmpty() || ref.get().equals(alias) || ref.get().equals(m.displayName())
                        || ref.get().equals(m.id())) && !p.suspendedAt(now)) {
                    policy(out, p, m.id());
                }
            }
        }
        return out;
    }
}
