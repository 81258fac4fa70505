package io.aisix.kernel.stats;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.observe.SpendBoard;
import io.aisix.support.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of {@code GET /admin/v1/stats} and {@code GET /admin/v1/spend} (docs/API.md): the
 * {@link UsageRing}'s buckets as columns (one array per measure, aligned with {@code buckets}),
 * and the counters the budgets plugin reported on the {@link SpendBoard}.
 */
public final class StatsDocuments {
    /** Most series a stats answer lists before merging the rest into {@link UsageRing#OTHER}. */
    public static final int MAX_TOP = UsageRing.MAX_NAMES;

    private final UsageRing ring;
    private final Board board;

    /** The kernel's {@link SpendBoard}: holds the last source a plugin reported. */
    public static final class Board implements SpendBoard {
        private volatile java.util.function.Supplier<List<Counter>> source;

        @Override
        public void report(java.util.function.Supplier<List<Counter>> source) {
            this.source = java.util.Objects.requireNonNull(source, "source");
        }

        Optional<List<Counter>> counters() {
            var s = source;
            return s == null ? Optional.empty() : Optional.of(s.get());
        }
    }

    public StatsDocuments(UsageRing ring, Board board) {
        this.ring = ring;
        this.board = board;
    }

    /** Where the observe plugin records requests. */
    public UsageRing ring() {
        return ring;
    }

    /** Where a budgets plugin reports its counters. */
    public Board board() {
        return board;
    }

    /**
     * @param window {@code 1h} (per minute) or {@code 24h} (per 15 minutes)
     * @param by     {@code key} or {@code model}
     * @param top    series listed by requests in the window, the rest merged (1..{@link #MAX_TOP})
     * @throws IllegalArgumentException naming the parameter that is wrong
     */
    public ObjectNode stats(String window, String by, int top) {
        UsageRing.Window w = UsageRing.Window.parse(window);
        UsageRing.By dim = UsageRing.By.parse(by);
        if (top < 1 || top > MAX_TOP) {
            throw new IllegalArgumentException("top must be 1.." + MAX_TOP);
        }
        List<UsageRing.Slice> slices = ring.query(w, dim);
        Map<String, Aggregate> sums = new HashMap<>();
        for (UsageRing.Slice s : slices) {
            s.series().forEach((name, a) -> sums.computeIfAbsent(name, k -> new Aggregate()).addAll(a));
        }
        List<String> ranked = new ArrayList<>(sums.keySet());
        ranked.remove(UsageRing.OTHER);
        ranked.sort(Comparator.comparingLong((String n) -> -sums.get(n).requests).thenComparing(n -> n));
        List<String> shown = ranked.subList(0, Math.min(top, ranked.size()));
        boolean merged = sums.containsKey(UsageRing.OTHER) || ranked.size() > shown.size();

        ObjectNode out = Json.mapper().createObjectNode();
        out.put("window", w.text);
        out.put("bucket_seconds", w.bucketMs / 1000);
        out.put("by", by);
        ArrayNode starts = out.putArray("buckets");
        slices.forEach(s -> starts.add(Instant.ofEpochMilli(s.start()).toString()));
        List<Aggregate> totals = slices.stream().map(UsageRing.Slice::total).toList();
        Aggregate all = new Aggregate();
        totals.forEach(all::addAll);
        columns(out.putObject("total"), totals, all);
        ArrayNode series = out.putArray("series");
        Map<String, List<Aggregate>> rows = new LinkedHashMap<>();
        shown.forEach(n -> rows.put(n, new ArrayList<>()));
        if (merged) {
            rows.put(UsageRing.OTHER, new ArrayList<>());
        }
        for (UsageRing.Slice s : slices) {
            Aggregate other = new Aggregate();
            for (Map.Entry<String, List<Aggregate>> r : rows.entrySet()) {
                Aggregate a = s.series().get(r.getKey());
                r.getValue().add(a == null ? new Aggregate() : a);
            }
            s.series().forEach((name, a) -> {
                if (!shown.contains(name) && !name.equals(UsageRing.OTHER)) {
                    other.addAll(a);
                }
            });
            if (merged) {
                List<Aggregate> col = rows.get(UsageRing.OTHER);
                col.get(col.size() - 1).addAll(other);
            }
        }
        rows.forEach((name, col) -> {
            Aggregate sum = new Aggregate();
            col.forEach(sum::addAll);
            ObjectNode n = series.addObject();
            n.put("name", name);
            columns(n, col, sum);
        });
        return out;
    }

    /** Per measure an array aligned with the buckets, and the window's sums under {@code totals}. */
    private static void columns(ObjectNode out, List<Aggregate> col, Aggregate sum) {
        ObjectNode t = out.putObject("totals");
        put(t, sum);
        ArrayNode req = out.putArray("requests");
        ArrayNode err = out.putArray("errors");
        ArrayNode pt = out.putArray("prompt_tokens");
        ArrayNode ct = out.putArray("completion_tokens");
        ArrayNode cost = out.putArray("cost_usd");
        ArrayNode p50 = out.putArray("p50_ms");
        ArrayNode p99 = out.putArray("p99_ms");
        for (Aggregate a : col) {
            req.add(a.requests);
            err.add(a.errors);
            pt.add(a.promptTokens);
            ct.add(a.completionTokens);
            cost.add(a.costNanoUsd / 1e9);
            quantile(p50, a.latency.quantile(0.5));
            quantile(p99, a.latency.quantile(0.99));
        }
    }

    private static void put(ObjectNode t, Aggregate a) {
        t.put("requests", a.requests);
        t.put("errors", a.errors);
        t.put("prompt_tokens", a.promptTokens);
        t.put("completion_tokens", a.completionTokens);
        t.put("cost_usd", a.costNanoUsd / 1e9);
        double p50 = a.latency.quantile(0.5);
        double p99 = a.latency.quantile(0.99);
        if (Double.isNaN(p50)) {
            t.putNull("p50_ms");
            t.putNull("p99_ms");
        } else {
            t.put("p50_ms", round(p50));
            t.put("p99_ms", round(p99));
        }
    }

    private static void quantile(ArrayNode to, double v) {
        if (Double.isNaN(v)) {
            to.addNull();
        } else {
            to.add(round(v));
        }
    }

    private static double round(double ms) {
        return Math.round(ms * 100) / 100.0;
    }

    /**
     * The budget counters: {@code available} false when no budgets plugin reported (not
     * installed, or disabled), else every counter seen since start, optionally of one budget
     * (its id or name).
     */
    public ObjectNode spend(Optional<String> budget) {
        ObjectNode out = Json.mapper().createObjectNode();
        Optional<List<SpendBoard.Counter>> counters = board.counters();
        out.put("available", counters.isPresent());
        ArrayNode list = out.putArray("counters");
        for (SpendBoard.Counter c : counters.orElse(List.of())) {
            if (budget.isPresent() && !budget.get().equals(c.budgetId()) && !budget.get().equals(c.budget())) {
                continue;
            }
            ObjectNode n = list.addObject();
            n.put("budget_id", c.budgetId());
            n.put("budget", c.budget());
            n.put("subject", c.subject());
            n.put("spent_usd", c.spentUsd());
            n.put("max_usd", c.maxUsd());
            n.put("mode", c.mode());
            n.put("period_end", c.periodEnd().toString());
        }
        return out;
    }
}
