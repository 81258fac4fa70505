package io.aisix.bench;

import io.aisix.bench.support.BenchGateway;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreRow;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A live configuration change with {@code resources} rows in the store (half caller keys, half
 * direct aliases, plus the harness's guardrails, cache and rate-limit policies): the
 * {@link SnapshotManager} decodes the changed caller-key row (a batch of one) with its kind's
 * validator, rebuilds the snapshot (the untouched kinds keep their maps), recompiles every chain with the real plugins (auth index, alias index, rate-limit
 * plan, guardrails reused by value) and publishes the new state atomically. Requests in flight keep
 * the state they started with; this is the time until new requests see the change.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar SnapshotSwap}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SnapshotSwapBenchmark {
    @Param({"100", "1000", "10000"})
    public int resources;

    private BenchGateway gateway;
    private SnapshotManager manager;
    private byte[][] versions;
    private long revision;
    private int flip;

    @Setup(Level.Trial)
    public void setUp() {
        gateway = new BenchGateway(Fixtures.cannedUpstream(new byte[0], new byte[0]));
        manager = new SnapshotManager(gateway.kinds(), gateway.compiler(), Clock.systemUTC());
        List<StoreRow> rows = new ArrayList<>();
        Fixtures.policyRows().forEach((kind, byId) -> byId.forEach((id, json) -> rows.add(row(kind, id, json))));
        for (int i = 0; i < resources / 2; i++) {
            rows.add(row("api_keys", "k" + i, Fixtures.callerKeyRow("key-" + i, "sk-bench-key-" + i)));
            rows.add(row("models", "m" + i,
                    "{\"display_name\":\"model-" + i + "\",\"provider_key_id\":\"pk-mock\",\"model_name\":\"up-" + i + "\"}"));
        }
        manager.onSync(rows, ++revision);
        if (manager.current() == null || !manager.rejected().isEmpty()) {
            throw new IllegalStateException("set-up rows rejected: " + manager.rejected());
        }
        versions = new byte[][] {
                Fixtures.callerKeyRow("changed-a", "sk-bench-key-0").getBytes(StandardCharsets.UTF_8),
                Fixtures.callerKeyRow("changed-b", "sk-bench-key-0").getBytes(StandardCharsets.UTF_8)};
    }

    private StoreRow row(String kind, String id, String json) {
        return new StoreRow(kind, id, json.getBytes(StandardCharsets.UTF_8), ++revision);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
    }

    @Benchmark
    public GatewayState swap() {
        long rev = ++revision;
        manager.onChanges(List.of(new StoreChange.Put(new StoreRow("api_keys", "k0", versions[flip ^= 1], rev))), rev);
        return manager.current();
    }
}
