package io.aisix.plugin.aliasresolver;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Model aliases of one snapshot, indexed for resolution: exact names in a hash map, wildcard
 * aliases ({@code gpt-*}) ordered most specific first (longest literal part), and the target list
 * of every exact alias precomputed so a request does no routing work beyond a lookup.
 */
final class AliasIndex {
    private final Map<String, Model> exact;
    private final List<Model> wildcards;
    private final Map<String, ProviderKey> keys;
    private final Map<String, CoreAttrs.TargetList> exactTargets;
    private final Set<String> adapterIds;

    private AliasIndex(Map<String, Model> exact, List<Model> wildcards, Map<String, ProviderKey> keys,
                       Set<String> adapterIds) {
        this.exact = exact;
        this.wildcards = wildcards;
        this.keys = keys;
        this.adapterIds = adapterIds;
        Map<String, CoreAttrs.TargetList> t = new HashMap<>();
        exact.forEach((name, model) -> {
            try {
                t.put(name, targets(model, name, ""));
            } catch (GatewayException e) {
                // resolved again per request, which then reports the problem
            }
        });
        this.exactTargets = Map.copyOf(t);
    }

    static AliasIndex build(Snapshot snapshot, Set<String> adapterIds) {
        Map<String, Model> exact = new HashMap<>();
        List<Model> wildcards = new ArrayList<>();
        for (Model m : snapshot.all(CoreKinds.MODELS).values()) {
            if (m.isWildcard()) {
                if (!m.isRouting()) {
                    wildcards.add(m);
                }
            } else {
                exact.putIfAbsent(m.displayName(), m);
            }
        }
        wildcards.sort(Comparator.comparingInt((Model m) -> m.displayName().length()).reversed()
                .thenComparing(Model::displayName));
        return new AliasIndex(Map.copyOf(exact), List.copyOf(wildcards),
                Map.copyOf(snapshot.all(CoreKinds.PROVIDER_KEYS)), adapterIds);
    }

    /** Every non-wildcard alias. */
    Map<String, Model> exact() {
        return exact;
    }

    /** Who serves a model, for {@code owned_by}: its vendor, else its key's, {@code aisix} for routing models. */
    String owner(Model model) {
        if (model.isRouting()) {
            return "aisix";
        }
        return model.provider().or(() -> model.providerKeyId().map(keys::get).map(ProviderKey::provider))
                .orElse("aisix");
    }

    record Resolved(Model model, CoreAttrs.TargetList targets) {
    }

    Optional<Resolved> resolve(String alias) {
        Model m = exact.get(alias);
        if (m != null) {
            CoreAttrs.TargetList pre = exactTargets.get(alias);
            return Optional.of(new Resolved(m, pre != null ? pre : targets(m, alias, "")));
        }
        for (Model w : wildcards) {
            String name = w.displayName();
            int star = name.indexOf('*');
            String prefix = name.substring(0, star);
            String suffix = name.substring(star + 1);
            if (alias.length() >= prefix.length() + suffix.length() && alias.startsWith(prefix) && alias.endsWith(suffix)) {
                String capture = alias.substring(prefix.length(), alias.length() - suffix.length());
                return Optional.of(new Resolved(w, targets(w, alias, capture)));
            }
        }
        return Optional.empty();
    }

    private CoreAttrs.TargetList targets(Model model, String alias, String capture) {
        if (model.routing().isEmpty()) {
            return new CoreAttrs.TargetList(List.of(direct(model, null, alias, capture, 0, 1)), Optional.empty());
        }
        Model.Routing routing = model.routing().get();
        List<Target> out = new ArrayList<>(routing.targets().size());
        for (Model.Target t : routing.targets()) {
            Model target = exact.get(t.model());
            if (target == null || target.isRouting()) {
                continue; // routing targets name direct aliases; anything else cannot be called
            }
            try {
                out.add(direct(target, model, alias, "", t.priority(), t.weight()));
            } catch (GatewayException e) {
                // a target with a missing key is skipped; the others still serve
            }
        }
        if (out.isEmpty()) {
            throw new GatewayException(ErrorCode.ALL_CANDIDATES_UNAVAILABLE,
                    "model \"" + alias + "\" has no usable routing target");
        }
        return new CoreAttrs.TargetList(List.copyOf(out), Optional.of(routing));
    }

    /** The target of a direct model, alone ({@code group} null) or as a member of a routing model. */
    private Target direct(Model model, Model group, String alias, String capture, int priority, int weight) {
        String keyId = model.providerKeyId().orElse("");
        ProviderKey key = keys.get(keyId);
        if (key == null) {
            throw GatewayException.invalidRequest("model \"" + alias + "\" refers to provider key '" + keyId
                    + "' which does not exist", "model");
        }
        String upstreamModel = model.modelName().orElse("");
        if (model.isWildcard()) {
            upstreamModel = upstreamModel.contains("*") ? upstreamModel.replace("*", capture)
                    : upstreamModel.isEmpty() ? capture : upstreamModel;
        }
        return new Target(alias, model.displayName(), model, key, upstreamModel, adapter(model, key), priority, weight,
                Target.timeout(model, group), Target.streamTimeout(model, group));
    }

    /** The first of the model's provider, the key's provider and the key's adapter that is installed. */
    private String adapter(Model model, ProviderKey key) {
        List<String> candidates = new ArrayList<>(3);
        model.provider().ifPresent(candidates::add);
        candidates.add(key.provider());
        key.adapter().ifPresent(candidates::add);
        if (!adapterIds.isEmpty()) {
            for (String c : candidates) {
                if (adapterIds.contains(c)) {
                    return c;
                }
            }
        }
        return candidates.get(0);
    }
}
