package io.aisix.plugin.cache;

import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cache policies of one snapshot, indexed by what they apply to. The most specific match
 * wins: {@code api_key:<id>} over {@code model:<alias>} over {@code all}; among policies with the
 * same target the first by name wins (names are unique), so the choice never depends on store order.
 * A {@code model:} target matches the alias the caller sent or the model's {@code display_name}
 * (so a wildcard alias row such as {@code gpt-*} can be targeted as written).
 */
final class PolicyIndex {
    private final Map<String, CachePolicy> byKey = new HashMap<>();
    private final Map<String, CachePolicy> byModel = new HashMap<>();
    private CachePolicy all;

    PolicyIndex(Collection<CachePolicy> policies) {
        List<CachePolicy> sorted = policies.stream().sorted(Comparator.comparing(CachePolicy::name)).toList();
        for (CachePolicy p : sorted) {
            String target = p.appliesTo();
            if (target.startsWith("api_key:")) {
                byKey.putIfAbsent(target.substring("api_key:".length()), p);
            } else if (target.startsWith("model:")) {
                byModel.putIfAbsent(target.substring("model:".length()), p);
            } else if (all == null) {
                all = p;
            }
        }
    }

    Optional<CachePolicy> match(Optional<CallerKey> caller, String alias, Optional<Model> model) {
        if (caller.isPresent() && !byKey.isEmpty()) {
            CachePolicy p = byKey.get(caller.get().id());
            if (p != null) {
                return Optional.of(p);
            }
        }
        if (!byModel.isEmpty()) {
            CachePolicy p = byModel.get(alias);
            if (p == null && model.isPresent()) {
                p = byModel.get(model.get().displayName());
            }
            if (p != null) {
                return Optional.of(p);
            }
        }
        return Optional.ofNullable(all);
    }
}
