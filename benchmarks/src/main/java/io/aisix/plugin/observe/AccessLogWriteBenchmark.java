package io.aisix.plugin.observe;

import io.aisix.kernel.logging.ConsoleLogHandler;
import io.aisix.kernel.logging.JsonLogFormatter;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.support.observe.UsageEventJson;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The access log's writer, per line: a batch of {@value #BATCH} proxied requests' events, each built
 * into its JSON line and published to the distribution's console handler (the root's only handler,
 * as {@code conf/logging.properties} installs it) writing to a null stream, then the batch flush.
 * {@code path}: {@code record} is the writer as it was (a {@code String} of the line in a JUL record
 * through {@code Logger.logp}); {@code line} is {@code AccessLog.writeBatch}, which hands the
 * console handler the line without a record when it is the only handler. {@code format}: the
 * shipped text lines or {@code logging.format: json}.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar AccessLogWrite -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLogWriteBenchmark {
    static final int BATCH = 256;
    private static final Logger ACCESS = Logger.getLogger(AccessLog.LOGGER);

    @Param({"record", "line"})
    public String path;

    @Param({"text", "json"})
    public String format;

    private final List<UsageEvent> batch = new ArrayList<>(BATCH);
    private final StringBuilder line = new StringBuilder(1024);
    private Handler[] rootHandlers;
    private ConsoleLogHandler console;
    private AccessLog log;

    @Setup
    public void setUp() {
        PrintStream err = System.err;
        System.setErr(new PrintStream(OutputStream.nullOutputStream(), false));
        try {
            console = new ConsoleLogHandler();
        } finally {
            System.setErr(err);
        }
        if ("json".equals(format)) {
            console.setFormatter(new JsonLogFormatter());
        }
        Logger root = Logger.getLogger("");
        rootHandlers = root.getHandlers();
        for (Handler h : rootHandlers) {
            root.removeHandler(h);
        }
        root.addHandler(console);
        Instant start = Instant.parse("2026-12-07T21:00:00.123Z");
        for (int i = 0; i < BATCH; i++) {
            // the load harness's request: a key, an alias, one attempt, a priced model
            batch.add(new UsageEvent("0a1b2c3d-4e5f-6789-abcd-ef01234567" + (10 + i % 90), start.plusMillis(i),
                    3_210_000L + i, Optional.of(1_500_000L), "/v1/chat/completions", "bench-key", "gpt-4o-mini",
                    "openai", "gpt-4o-mini-2024-07-18", 200, "", 21, 9, 0, 0, "miss", "pass", 1, false,
                    List.of(new UsageEvent.Attempt(1, "gpt-4o-mini", "openai", "gpt-4o-mini-2024-07-18", 200, "",
                            100_000L, 3_000_000L, "chatcmpl-abc123")),
                    Optional.empty(), Optional.empty(), 0.0000085, 0, List.of()));
        }
        log = new AccessLog(GatewayMetrics.NOOP); // its own writer idles: nothing is queued
    }

    @TearDown
    public void tearDown() {
        log.stop(1_000);
        Logger root = Logger.getLogger("");
        root.removeHandler(console);
        for (Handler h : rootHandlers) {
            root.addHandler(h);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writeBatch() {
        if ("line".equals(path)) {
            log.writeBatch(batch);
            return;
        }
        for (UsageEvent e : batch) { // the writer before publishAccessLine
            line.setLength(0);
            UsageEventJson.append(e, false, line);
            ACCESS.logp(Level.INFO, AccessLog.class.getName(), "write", line.toString());
        }
        for (Logger l = ACCESS; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
            for (Handler h : l.getHandlers()) {
                h.flush();
            }
        }
    }
}
