package io.aisix.plugin.ratelimit;

import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.RateLimit;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which limits apply to whom, compiled once per snapshot. A request is admitted only when every
 * applicable limit passes (AND):
 * <ul>
 *   <li>the caller key's inline {@code rate_limit} (bucket {@code key:<key id>});</li>
 *   <li>on an MCP tool call, the key's {@code mcp_rate_limits} entry for the called server
 *       (bucket {@code mcp:<key id>:<server>});</li>
 *   <li>for a caller with a rate-limit subject (a JWT identity sharing its key), the key's limits
 *       above and its {@code api_key} policies in that subject's buckets ({@code <bucket>|sub:<subject>});</li>
 *   <li>the resolved model's inline {@code rate_limit} (bucket {@code model:<model id>}; a routing
 *       model's own limits, not its targets');</li>
 *   <li>every matching {@code rate_limit_policies} row: scope {@code api_key} matches the caller key
 *       id, {@code model} the requested alias, the model's {@code display_name} or its id,
 *       {@code team} the caller's {@code team_id}; an empty {@code scope_ref} matches every key,
 *       model or team, each with its own counter (bucket {@code policy:<id>:<scope>:<ref>}).</li>
 * </ul>
 * Inline fields map to windows: {@code rps} 1 s, {@code rpm} and {@code tpm} 60 s, {@code rph} 3600 s, {@code rpd} and
 * {@code tpd} 86400 s; {@code concurrency} counts requests in flight. Immutable once built; the parts
 * of a kind that did not change are shared with the previous plan.
 *
 * <p>A policy's {@code schedules} suspend it: while one covers the current time, the policy does
 * not apply (nothing is checked or counted against it); its bucket is keyed by policy id and ref
 * only, so once the window ends the policy resumes the same counter (within the same fixed window,
 * what was counted before the suspension still counts).
 *
 * <p>A policy's limits for one reference (key, team or model id) are built on first use and kept
 * with the policy ({@link Compiled}): building them per request concatenated their bucket, label and
 * counter strings every time, and a new counter string had to be hashed again in the limiter's map.
 * The references are ids of the snapshot's own rows, so what is kept is bounded by the configuration.
 */
final class LimitPlan {
    private final Map<String, CallerKey> keySource;
    private final Map<String, Model> modelSource;
    private final Map<String, RateLimitPolicy> policySource;
    private final Map<String, List<Limit>> keyLimits;
    /** Some key has {@code mcp_rate_limits} (built per tool call: MCP traffic is not the hot path). */
    private final boolean mcpLimited;
    private final Map<String, List<Limit>> modelLimits;
    private final List<Compiled> keyPolicies;
    private final List<Compiled> modelPolicies;
    private final List<Compiled> teamPolicies;
    /** Some policy has {@code schedules}: only then does {@link #applicable} need the time. */
    private final boolean scheduled;

    /** A policy and its limits by reference, built on first use (the same limits for the same reference). */
    private static final class Compiled {
        final RateLimitPolicy policy;
        private final Map<String, List<Limit>> byRef = new ConcurrentHashMap<>();

        Compiled(RateLimitPolicy policy) {
            this.policy = policy;
        }

        List<Limit> limits(String ref) {
            List<Limit> l = byRef.get(ref);
            return l != null ? l : byRef.computeIfAbsent(ref, r -> {
                List<Limit> out = new ArrayList<>(2);
                policy(out, policy, r);
                return List.copyOf(out);
            });
        }
    }

    LimitPlan(Snapshot snapshot) {
        this(snapshot, null);
    }

    /** The plan of {@code snapshot}, reusing the parts of {@code previous} whose resources did not change. */
    LimitPlan(Snapshot snapshot, LimitPlan previous) {
        keySource = snapshot.all(CoreKinds.API_KEYS);
        modelSource = snapshot.all(CoreKinds.MODELS);
        policySource = snapshot.all(RateLimitPoliciesKind.KIND);
        if (previous != null && previous.keySource == keySource) {
            keyLimits = previous.keyLimits;
            mcpLimited = previous.mcpLimited;
        } else {
            mcpLimited = keySource.values().stream().anyMatch(k -> !k.mcpRateLimits().isEmpty());
            keyLimits = new HashMap<>();
            for (CallerKey k : keySource.values()) {
                List<Limit> kept = unchanged(previous == null ? null : previous.keySource, k.id(), k,
                        previous == null ? null : previous.keyLimits);
                if (kept != null) {
                    keyLimits.put(k.id(), kept);
                } else {
                    k.rateLimit().ifPresent(rl -> put(keyLimits, k.id(), inline(rl, "key:" + k.id(), "api_key",
                            "the API key")));
                }
            }
        }
        if (previous != null && previous.modelSource == modelSource) {
            modelLimits = previous.modelLimits;
        } else {
            modelLimits = new HashMap<>();
            for (Model m : modelSource.values()) {
                List<Limit> kept = unchanged(previous == null ? null : previous.modelSource, m.id(), m,
                        previous == null ? null : previous.modelLimits);
                if (kept != null) {
                    modelLimits.put(m.id(), kept);
                } else {
                    m.rateLimit().ifPresent(rl -> put(modelLimits, m.id(), inline(rl, "model:" + m.id(), "model",
                            "model '" + m.displayName() + "'")));
                }
            }
        }
        // the limits kept per reference are for this snapshot's keys, teams and models: kept on
        // only while those are the same, so ids of deleted rows do not pile up
        if (previous != null && previous.policySource == policySource && previous.keySource == keySource
                && previous.modelSource == modelSource) {
            keyPolicies = previous.keyPolicies;
            modelPolicies = previous.modelPolicies;
            teamPolicies = previous.teamPolicies;
        } else {
            keyPolicies = new ArrayList<>();
            modelPolicies = new ArrayList<>();
            teamPolicies = new ArrayList<>();
            for (RateLimitPolicy p : policySource.values()) {
                switch (p.scope()) {
                    case "api_key" -> keyPolicies.add(new Compiled(p));
                    case "model" -> modelPolicies.add(new Compiled(p));
                    case "team" -> teamPolicies.add(new Compiled(p));
                    default -> {
                        // the resource kind validates scope; nothing else reaches here
                    }
                }
            }
        }
        scheduled = scheduled(keyPolicies) || scheduled(modelPolicies) || scheduled(teamPolicies);
    }

    private static boolean scheduled(List<Compiled> policies) {
        for (Compiled c : policies) {
            if (!c.policy.schedules().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The limits built before for a resource that is still the same decoded object (the kernel keeps
     * a row's object while the row does not change); null when it changed or had none.
     */
    private static <T> List<Limit> unchanged(Map<String, T> before, String id, T now, Map<String, List<Limit>> built) {
        return before != null && before.get(id) == now ? built.get(id) : null;
    }

    private static void put(Map<String, List<Limit>> map, String id, List<Limit> limits) {
        if (!limits.isEmpty()) {
            map.put(id, List.copyOf(limits));
        }
    }

    /** Whether {@link #applicable} needs the time (some policy has {@code schedules}); else it may be null. */
    boolean scheduled() {
        return scheduled;
    }

    boolean isEmpty() {
        return keyLimits.isEmpty() && !mcpLimited && modelLimits.isEmpty() && keyPolicies.isEmpty() && modelPolicies.isEmpty()
                && teamPolicies.isEmpty();
    }

    private static List<Limit> inline(RateLimit rl, String bucket, String scope, String who) {
        List<Limit> out = new ArrayList<>(6);
        add(out, rl.concurrency(), bucket, Limit.Kind.CONCURRENCY, 0, scope, "concurrency of " + who);
        add(out, rl.tpm(), bucket, Limit.Kind.TOKENS, 60, scope, "tpm of " + who);
        add(out, rl.tpd(), bucket, Limit.Kind.TOKENS, 86_400, scope, "tpd of " + who);
        add(out, rl.rps(), bucket, Limit.Kind.REQUESTS, 1, scope, "rps of " + who);
        add(out, rl.rpm(), bucket, Limit.Kind.REQUESTS, 60, scope, "rpm of " + who);
        add(out, rl.rph(), bucket, Limit.Kind.REQUESTS, 3_600, scope, "rph of " + who);
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
        return applicable(caller, model, alias, Optional.empty(), Optional.empty(), now);
    }

    /**
     * Every limit that applies at {@code now} (null will do when no policy is {@link #scheduled()}), with the caller key's {@code mcp_rate_limits} entry
     * of {@code mcpServer} (an MCP tool call's server) in its own counter; with a {@code subject}
     * ({@link io.aisix.spi.CoreAttrs#RATE_LIMIT_SUBJECT}), the key's own limits (inline, per MCP
     * server, {@code api_key} policies) count for that subject alone.
     */
    List<Limit> applicable(Optional<CallerKey> caller, Optional<Model> model, String alias, Optional<String> mcpServer,
                           Optional<String> subject, Instant now) {
        List<Limit> out = new ArrayList<>(8);
        if (caller.isPresent()) {
            CallerKey k = caller.get();
            List<Limit> own = keyLimits.get(k.id());
            if (own != null) {
                out.addAll(own);
            }
            if (mcpServer.isPresent()) {
                RateLimit perServer = k.mcpRateLimits().get(mcpServer.get());
                if (perServer != null) {
                    out.addAll(inline(perServer, "mcp:" + k.id() + ":" + mcpServer.get(), "mcp_server",
                            "the API key on MCP server '" + mcpServer.get() + "'"));
                }
            }
            for (Compiled c : keyPolicies) {
                RateLimitPolicy p = c.policy;
                if ((p.scopeRef().isEmpty() || p.scopeRef().get().equals(k.id())) && !p.suspendedAt(now)) {
                    out.addAll(c.limits(k.id()));
                }
            }
            if (subject.isPresent()) {
                out.replaceAll(l -> l.forSubject(subject.get()));
            }
            if (k.teamId().isPresent()) {
                String team = k.teamId().get();
                for (Compiled c : teamPolicies) {
                    RateLimitPolicy p = c.policy;
                    if ((p.scopeRef().isEmpty() || p.scopeRef().get().equals(team)) && !p.suspendedAt(now)) {
                        out.addAll(c.limits(team));
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
            for (Compiled c : modelPolicies) {
                RateLimitPolicy p = c.policy;
                Optional<String> ref = p.scopeRef();
                if ((ref.isEmpty() || ref.get().equals(alias) || ref.get().equals(m.displayName())
                        || ref.get().equals(m.id())) && !p.suspendedAt(now)) {
                    out.addAll(c.limits(m.id()));
                }
            }
        }
        return out;
    }
}
