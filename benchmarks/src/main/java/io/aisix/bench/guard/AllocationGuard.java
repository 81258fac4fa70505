package io.aisix.bench.guard;

import io.aisix.bench.guard.AllocationCheck.Row;
import io.aisix.bench.guard.AllocationCheck.Verdict;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The allocation guard over the JMH benchmarks (benchmarks/README.md, "Allocation guard").
 *
 * <p>Checking: one {@link JmhPass#SHORT short pass} over the selected benchmarks; every row above
 * the threshold is measured again alone with {@link JmhPass#THOROUGH long warm-up}, and with twice
 * that while it is above the threshold and not {@link Measured#settled() settled} (at most
 * {@value #ATTEMPTS} runs);
 * the last figure decides. A short warm-up errs upwards (the JIT has not finished removing allocations),
 * so a row within the threshold needs no second look. The table is printed either way; the exit
 * status is 1 when a row regressed, has no baseline row or is gone (see {@link AllocationCheck}),
 * 2 when the guard could not run.
 *
 * <p>Recording ({@code --record}): one thorough pass over the selection, rows not settled
 * measured again as above; its rows replace the baseline's rows in the selection, the others are
 * kept.
 */
public final class AllocationGuard {
    /** Runs of one benchmark alone before the guard takes its figure as it is. */
    static final int ATTEMPTS = 3;
    private static final String USAGE = """
            usage: java -cp benchmarks/target/benchmarks.jar io.aisix.bench.guard.AllocationGuard [options]
              --baseline FILE       the baseline (default benchmarks/baseline.json)
              --work DIR            JMH reports and logs (default benchmarks/target/jmh-guard)
              --record              measure and write the baseline instead of checking it
              --include REGEX       only benchmarks whose full name contains a match (JMH's include)
              --param NAME=V1,V2    only these values of a parameter (JMH's -p); repeatable
            make test runs the check; make jmh-baseline records (make jmh-baseline INCLUDE=REGEX for some)""";

    private final Path baselineFile;
    private final Path work;
    private final Selection selection;
    private final List<String> jvmArgs;
    private final PrintStream out;
    private int runs;

    /**
     * @param jvmArgs appended to every benchmark fork's JVM options (for tests)
     */
    AllocationGuard(Path baselineFile, Path work, Selection selection, List<String> jvmArgs, PrintStream out) {
        this.baselineFile = baselineFile;
        this.work = work;
        this.selection = selection;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.out = out;
    }

    /** Runs the benchmarks and compares them with the baseline; prints the table and the verdict. */
    AllocationCheck check() throws IOException, RunnerException {
        Baseline baseline = Baseline.read(baselineFile);
        clearWork();
        warnOnOtherJdk(baseline);
        SortedMap<BenchmarkId, Long> covered = covered(baseline);
        out.println("Allocation guard: " + selection + " against " + baselineFile + " (" + JmhPass.SHORT.describe()
                + ", -prof gc -prof comp; JMH reports and logs in " + work + ")");
        List<Measured> measured = new ArrayList<>(JmhPass.run(JmhPass.SHORT, selection, jvmArgs, work.resolve("short"), out));
        List<Row> suspects = AllocationCheck.compare(covered, measured).with(Verdict.REGRESSED);
        if (!suspects.isEmpty()) {
            out.println(suspects.size() + " above the threshold after the short pass; measuring each again alone with "
                    + JmhPass.THOROUGH.describe() + " (twice the warm-up while above it and not settled, at most " + ATTEMPTS
                    + " runs)");
            for (Row suspect : suspects) {
                long limit = suspect.baseline();
                Measured again = settle(suspect.id(), JmhPass.THOROUGH, ATTEMPTS,
                        m -> !AllocationCheck.regressed(limit, m.bytesPerOp()));
                measured.replaceAll(m -> m.id().equals(suspect.id()) ? again : m);
            }
        }
        AllocationCheck check = AllocationCheck.compare(covered, measured);
        out.println();
        out.print(check.table());
        out.println();
        out.println(summary(check));
        return check;
    }

    /** Measures the selection thoroughly and writes its rows into the baseline. */
    void record() throws IOException, RunnerException {
        Baseline old = Files.exists(baselineFile) ? Baseline.read(baselineFile) : new Baseline("", new TreeMap<>());
        clearWork();
        out.println("Recording the allocation baseline: " + selection + " (" + JmhPass.THOROUGH.describe()
                + ", -prof gc -prof comp; JMH reports and logs in " + work + ")");
        List<Measured> measured = new ArrayList<>(
                JmhPass.run(JmhPass.THOROUGH, selection, jvmArgs, work.resolve("record"), out));
        for (Measured m : List.copyOf(measured)) {
            if (!m.settled()) {
                out.println(m.id() + " had not settled (" + series(m) + " B/op, JIT compiling "
                        + String.format(Locale.ROOT, "%.0f%%", m.compiledPercent()) + " of the time); measuring it again with "
                        + JmhPass.THOROUGH.longer().describe());
                Measured again = settle(m.id(), JmhPass.THOROUGH.longer(), ATTEMPTS - 1, x -> false);
                measured.replaceAll(x -> x.id().equals(m.id()) ? again : x);
            }
        }
        AllocationCheck moved = AllocationCheck.compare(covered(old), measured);
        SortedMap<BenchmarkId, Long> rows = new TreeMap<>(old.bytes());
        rows.keySet().removeIf(selection::covers);
        measured.forEach(m -> rows.put(m.id(), Math.round(m.bytesPerOp())));
        new Baseline(Runtime.version().toString(), rows).write(baselineFile);
        out.println();
        out.println("The new figures against the previous baseline (GONE: rows dropped; NO BASELINE: rows added):");
        out.print(moved.table());
        out.println();
        out.println("Wrote " + baselineFile + " (" + rows.size() + " rows). Commit it with a message that says why the"
                + " figures moved.");
    }

    /**
     * Measures one benchmark and parameter set alone, and again with twice the warm-up while it
     * has not settled and is not yet {@code enough}, at most {@code attempts} runs; returns the
     * last run.
     */
    private Measured settle(BenchmarkId id, JmhPass.Settings settings, int attempts, Predicate<Measured> enough)
            throws IOException, RunnerException {
        for (int attempt = 1; ; attempt++) {
            List<Measured> run = JmhPass.run(settings, Selection.exactly(id), jvmArgs, work.resolve("again-" + ++runs), out);
            if (run.size() != 1 || !run.getFirst().id().equals(id)) {
                throw new IllegalStateException("measuring " + id + " alone ran " + run);
            }
            Measured m = run.getFirst();
            boolean done = m.settled() || enough.test(m);
            boolean last = attempt == attempts;
            out.println("  " + id + " with " + settings.describe() + ": " + series(m) + " B/op, JIT compiling "
                    + String.format(Locale.ROOT, "%.0f%%", m.compiledPercent()) + " of the time" + (done ? ""
                    : last ? "; not settled after " + attempts + " runs: the machine may be too busy to warm up"
                    : "; not settled: once more with twice the warm-up"));
            if (done || last) {
                return m;
            }
            settings = settings.longer();
        }
    }

    /** Removes the previous run's reports and logs, so that the work directory holds this run's only. */
    private void clearWork() throws IOException {
        if (Files.isDirectory(work)) {
            try (Stream<Path> files = Files.list(work)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private static String series(Measured m) {
        return m.allocation().stream().map(b -> String.format(Locale.ROOT, "%,.0f", b)).collect(Collectors.joining(" "));
    }

    private SortedMap<BenchmarkId, Long> covered(Baseline baseline) {
        SortedMap<BenchmarkId, Long> covered = new TreeMap<>(baseline.bytes());
        covered.keySet().removeIf(id -> !selection.covers(id));
        return covered;
    }

    private void warnOnOtherJdk(Baseline baseline) {
        String recorded = baseline.jdk().replaceFirst("[^0-9].*", "");
        if (!recorded.equals(Integer.toString(Runtime.version().feature()))) {
            out.println("WARNING: the baseline was recorded on JDK " + baseline.jdk() + ", this is " + Runtime.version()
                    + "; allocation can differ between JDK releases.");
        }
    }

    static String summary(AllocationCheck check) {
        if (!check.failed()) {
            List<Row> lower = check.with(Verdict.LOWER);
            return "Allocation guard passed: " + check.rows().size() + " benchmark/parameter sets within +"
                    + AllocationCheck.MAX_INCREASE_PERCENT + "% or +" + AllocationCheck.MIN_BYTES + " B of their baseline."
                    + (lower.isEmpty() ? "" : " " + lower.size() + " allocate well below it: `make jmh-baseline`"
                    + " would tighten the guard.");
        }
        Map<Verdict, String> what = new LinkedHashMap<>();
        what.put(Verdict.REGRESSED, "more than " + AllocationCheck.MAX_INCREASE_PERCENT + "% and at least "
                + AllocationCheck.MIN_BYTES + " B per operation above the baseline (measured again alone with "
                + JmhPass.THOROUGH.describe() + ")");
        what.put(Verdict.NO_BASELINE, "no baseline row (a new benchmark or parameter value)");
        what.put(Verdict.GONE, "a baseline row that did not run (a benchmark or parameter value removed or renamed)");
        StringBuilder b = new StringBuilder("Allocation guard FAILED:\n");
        what.forEach((v, text) -> {
            int n = check.with(v).size();
            if (n > 0) {
                b.append("  ").append(n).append(" benchmark/parameter set").append(n == 1 ? " " : "s ")
                        .append(v.label).append(": ").append(text).append('\n');
            }
        });
        long unsettled = check.with(Verdict.REGRESSED).stream().filter(r -> !r.measured().settled()).count();
        if (unsettled > 0) {
            b.append("  (").append(unsettled).append(" of them not settled after ").append(ATTEMPTS)
                    .append(" runs: the machine may have been too busy for the JIT to finish; run `make jmh-guard`"
                            + " when it is quieter)\n");
        }
        b.append("Time per operation is shown for reading only; the guard checks allocation.\n");
        b.append("If the change is meant, re-record the baseline with `make jmh-baseline` (INCLUDE=<regex> for some"
                + " benchmarks) and say in the commit message why it moved (benchmarks/README.md).");
        return b.toString();
    }

    public static void main(String[] args) {
        AllocationGuard guard;
        boolean record = false;
        try {
            Path baseline = Path.of("benchmarks/baseline.json");
            Path work = Path.of("benchmarks/target/jmh-guard");
            String include = Selection.ALL.include();
            Map<String, List<String>> params = new TreeMap<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--baseline" -> baseline = Path.of(value(args, ++i));
                    case "--work" -> work = Path.of(value(args, ++i));
                    case "--record" -> record = true;
                    case "--include" -> include = value(args, ++i);
                    case "--param" -> {
                        String p = value(args, ++i);
                        int eq = p.indexOf('=');
                        if (eq <= 0 || eq == p.length() - 1) {
                            throw new IllegalArgumentException("--param wants NAME=V1,V2, not " + p);
                        }
                        params.put(p.substring(0, eq), List.of(p.substring(eq + 1).split(",")));
                    }
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            guard = new AllocationGuard(baseline, work, new Selection(include, params), List.of(), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("allocation guard: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        try {
            if (record) {
                guard.record();
            } else if (guard.check().failed()) {
                System.exit(1);
            }
        } catch (IOException | RunnerException | RuntimeException e) {
            System.err.println("allocation guard could not run: " + e.getMessage());
            System.exit(2);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
