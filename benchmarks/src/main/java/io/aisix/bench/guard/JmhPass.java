package io.aisix.bench.guard;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openjdk.jmh.profile.CompilerProfiler;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * One JMH run for the guard: the selected benchmarks, each in one fork of its own (so one
 * benchmark's type profiles cannot change another's inlining and escape analysis) with
 * {@code -prof gc} (allocation), {@code -prof comp} (whether the JIT was still compiling) and fixed
 * iterations that override the classes' annotations. JMH's JSON report
 * and its full log go to {@code <file>.json} and {@code <file>.log}; the log's
 * {@code # Benchmark:} and {@code # Parameters:} lines are echoed as progress.
 */
final class JmhPass {
    /** Iteration settings; always one fork. */
    record Settings(int warmups, Duration warmup, int iterations, Duration iteration) {
        /** The same with twice the warm-up iterations. */
        Settings longer() {
            return new Settings(warmups * 2, warmup, iterations, iteration);
        }

        String describe() {
            return "1 fork, " + warmups + " x " + ms(warmup) + " warm-up, " + iterations + " x " + ms(iteration) + " measured";
        }

        private static String ms(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
    }

    /**
     * The pass over every benchmark: enough warm-up for most of them to reach their steady
     * allocation on a 2-core machine; the full chain and the 32 KiB cache key often need more
     * when the machine is busy, and are then measured again (benchmarks/README.md has the figures).
     */
    static final Settings SHORT = new Settings(4, Duration.ofMillis(500), 2, Duration.ofMillis(500));
    /**
     * The pass a row above the threshold is measured again with, alone, and the baseline is
     * recorded with: the full chain's allocation settles only once C2 has compiled most of it,
     * 2-8 s into a run on this machine when it is not overloaded, ~11 s at load 11-14. Five
     * iterations show whether the JIT was still at work ({@link Measured#settled()}).
     */
    static final Settings THOROUGH = new Settings(10, Duration.ofSeconds(1), 5, Duration.ofSeconds(1));

    private JmhPass() {
    }

    static List<Measured> run(Settings s, Selection selection, List<String> jvmArgs, Path file, PrintStream console)
            throws IOException, RunnerException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path json = file.resolveSibling(file.getFileName() + ".json");
        Path log = file.resolveSibling(file.getFileName() + ".log");
        Files.deleteIfExists(json);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(selection.include())
                .forks(1)
                .warmupIterations(s.warmups())
                .warmupTime(TimeValue.milliseconds(s.warmup().toMillis()))
                .measurementIterations(s.iterations())
                .measurementTime(TimeValue.milliseconds(s.iteration().toMillis()))
                .addProfiler(GCProfiler.class)
                .addProfiler(CompilerProfiler.class)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString());
        selection.params().forEach((name, values) -> options.param(name, values.toArray(String[]::new)));
        if (!jvmArgs.isEmpty()) {
            options.jvmArgsAppend(jvmArgs.toArray(String[]::new));
        }
        try (PrintStream out = new PrintStream(new Progress(new BufferedOutputStream(Files.newOutputStream(log)), console), true,
                StandardCharsets.UTF_8)) {
            new Runner(options.build(), OutputFormatFactory.createFormatInstance(out, VerboseMode.NORMAL)).run();
        } catch (RunnerException e) {
            throw new RunnerException("JMH failed (" + e.getMessage() + "); its log: " + log + "\n" + tail(log, 40), e);
        }
        return JmhReport.read(json);
    }

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Writes everything to the log and echoes the lines that say which benchmark runs now. */
    private static final class Progress extends OutputStream {
        private final OutputStream log;
        private final PrintStream console;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Progress(OutputStream log, PrintStream console) {
            this.log = log;
            this.console = console;
        }

        @Override
        public void write(int b) throws IOException {
            log.write(b);
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.startsWith("# Benchmark: ") || text.startsWith("# Parameters: ")) {
                console.println("  " + text);
            }
        }

        @Override
        public void flush() throws IOException {
            log.flush();
        }

        @Override
        public void close() throws IOException {
            log.close();
        }
    }
}
