package io.aisix.plugin.budgets;

import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which enabled budgets apply to a request, compiled once per snapshot: {@code global} ones always;
 * {@code api_key} ones when {@code scope_ref} is the caller key's id (or absent); {@code team} ones
 * when it is the caller's {@code team_id} (or absent, for callers with a team); {@code model} ones
 * when it is the alias sent, the resolved model's {@code display_name} or its id (or absent).
 * Each applicable budget comes with the subject its counter is kept for: {@code *} for global, else
 * the key id, team id or model id.
 */
final class BudgetPlan {
    /** A budget applied to one subject. */
    record Applied(Budget budget, String subject) {
    }

    private final List<Budget> global = new ArrayList<>();
    private final Map<String, List<Budget>> byKey = new HashMap<>();
    private final List<Budget> everyKey = new ArrayList<>();
    private final Map<String, List<Budget>> byTeam = new HashMap<>();
    private final List<Budget> everyTeam = new ArrayList<>();
    private final List<Budget> models = new ArrayList<>();
    private final int size;

    BudgetPlan(Collection<Budget> budgets) {
        int n = 0;
        for (Budget b : budgets) {
            if (!b.enabled()) {
                continue;
            }
            n++;
            switch (b.scope()) {
                case "api_key" -> add(b, byKey, everyKey);
                case "team" -> add(b, byTeam, everyTeam);
                case "model" -> models.add(b);
                default -> global.add(b);
            }
        }
        size = n;
    }

    private static void add(Budget b, Map<String, List<Budget>> byRef, List<Budget> every) {
        if (b.scopeRef().isPresent()) {
            byRef.computeIfAbsent(b.scopeRef().get(), k -> new ArrayList<>()).add(b);
        } else {
            every.add(b);
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    List<Applied> applicable(Optional<CallerKey> caller, Optional<Model> model, String alias) {
        List<Applied> out = new ArrayList<>(4);
        for (Budget b : global) {
            out.add(new Applied(b, "*"));
        }
        if (caller.isPresent()) {
            String key = caller.get().id();
            for (Budget b : byKey.getOrDefault(key, List.of())) {
                out.add(new Applied(b, key));
            }
            for (Budget b : everyKey) {
                out.add(new Applied(b, key));
            }
            Optional<String> team = caller.get().teamId();
            if (team.isPresent()) {
                for (Budget b : byTeam.getOrDefault(team.get(), List.of())) {
                    out.add(new Applied(b, team.get()));
                }
                for (Budget b : everyTeam) {
                    out.add(new Applied(b, team.get()));
                }
            }
        }
        if (model.isPresent()) {
            Model m = model.get();
            for (Budget b : models) {
                String ref = b.scopeRef().orElse(null);
                if (ref == null || ref.equals(alias) || ref.equals(m.displayName()) || ref.equals(m.id())) {
                    out.add(new Applied(b, m.id()));
                }
            }
        }
        return out;
    }
}
