package io.aisix.bench.guard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The guard's rule, applied to one run: every measured benchmark and parameter set against its
 * baseline row. A row fails when it allocates more than {@value #MAX_INCREASE_PERCENT}% <em>and</em>
 * at least {@value #MIN_BYTES} bytes per operation above its baseline (the percentage alone would
 * flag a few extra objects on a benchmark that allocates almost nothing), when it has no baseline
 * row, or when a baseline row's benchmark no longer ran. Time per operation is carried for the
 * table only.
 */
record AllocationCheck(List<Row> rows) {
    static final int MAX_INCREASE_PERCENT = 10;
    static final long MIN_BYTES = 256;

    /** What the guard says about one benchmark and parameter set. */
    enum Verdict {
        OK("ok", false),
        /** Well below the baseline: passes, but the baseline is looser than it needs to be. */
        LOWER("lower (re-record?)", false),
        REGRESSED("REGRESSED", true),
        NO_BASELINE("NO BASELINE", true),
        GONE("GONE", true);

        final String label;
        final boolean fails;

        Verdict(String label, boolean fails) {
            this.label = label;
            this.fails = fails;
        }
    }

    /** One line of the table; {@code baseline} is null for NO_BASELINE, {@code measured} for GONE. */
    record Row(BenchmarkId id, Long baseline, Measured measured, Verdict verdict) {
    }

    AllocationCheck {
        rows = List.copyOf(rows);
    }

    /** The regression rule: more than 10% and at least 256 B above the baseline. */
    static boolean regressed(long baseline, double measured) {
        return measured * 100 > baseline * (100.0 + MAX_INCREASE_PERCENT) && measured - baseline >= MIN_BYTES;
    }

    /** The same rule downwards. */
    static boolean lower(long baseline, double measured) {
        return measured * 100 < baseline * (100.0 - MAX_INCREASE_PERCENT) && baseline - measured >= MIN_BYTES;
    }

    /**
     * Compares a run with the baseline rows it covers.
     *
     * @throws IllegalArgumentException when the run measured a benchmark and parameter set twice
     */
    static AllocationCheck compare(Map<BenchmarkId, Long> baseline, Collection<Measured> measured) {
        SortedMap<BenchmarkId, Measured> byId = new TreeMap<>();
        for (Measured m : measured) {
            if (byId.put(m.id(), m) != null) {
                throw new IllegalArgumentException("the run measured " + m.id() + " twice");
            }
        }
        TreeSet<BenchmarkId> ids = new TreeSet<>(baseline.keySet());
        ids.addAll(byId.keySet());
        List<Row> rows = new ArrayList<>();
        for (BenchmarkId id : ids) {
            Long b = baseline.get(id);
            Measured m = byId.get(id);
            Verdict v;
            if (m == null) {
                v = Verdict.GONE;
            } else if (b == null) {
                v = Verdict.NO_BASELINE;
            } else if (regressed(b, m.bytesPerOp())) {
                v = Verdict.REGRESSED;
            } else if (lower(b, m.bytesPerOp())) {
                v = Verdict.LOWER;
            } else {
                v = Verdict.OK;
            }
            rows.add(new Row(id, b, m, v));
        }
        return new AllocationCheck(rows);
    }

    boolean failed() {
        return rows.stream().anyMatch(r -> r.verdict().fails);
    }

    List<Row> with(Verdict v) {
        return rows.stream().filter(r -> r.verdict() == v).toList();
    }

    /** The table: benchmark, params, baseline and measured B/op, delta, time/op (never checked), verdict. */
    String table() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"benchmark", "params", "baseline B/op", "measured B/op", "delta", "time/op", "verdict"});
        for (Row r : rows) {
            Measured m = r.measured();
            cells.add(new String[] {
                r.id().shortName(),
                r.id().paramText(),
                r.baseline() == null ? "-" : bytes(r.baseline()),
                m == null ? "-" : bytes(Math.round(m.bytesPerOp())),
                m == null || r.baseline() == null ? "-" : delta(r.baseline(), m.bytesPerOp()),
                m == null ? "-" : time(m.timeScore(), m.timeUnit()),
                r.verdict().label});
        }
        int[] width = new int[cells.getFirst().length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                boolean number = i >= 2 && i <= 5;
                String pad = " ".repeat(width[i] - row[i].length());
                out.append(number ? pad + row[i] : row[i] + (i == row.length - 1 ? "" : pad));
                out.append(i == row.length - 1 ? "\n" : "  ");
            }
        }
        return out.toString();
    }

    private static String bytes(long b) {
        return String.format(Locale.ROOT, "%,d", b);
    }

    private static String delta(long baseline, double measured) {
        long d = Math.round(measured) - baseline;
        String abs = String.format(Locale.ROOT, "%+,d", d);
        return baseline == 0 ? abs : abs + String.format(Locale.ROOT, " (%+.1f%%)", 100.0 * d / baseline);
    }

    private static String time(double score, String unit) {
        if (Double.isNaN(score)) {
            return "?";
        }
        String format = score >= 100 ? "%,.0f %s" : score >= 10 ? "%.1f %s" : "%.2f %s";
        return String.format(Locale.ROOT, format, score, unit);
    }
}
