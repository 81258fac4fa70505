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
 * A bulk change as one store batch (what an etcd transaction of {@code rows} rows becomes): the
 * {@link SnapshotManager} decodes every row of the batch (half caller keys, half direct aliases,
 * each one changed) with its kind's validator, builds one snapshot and compiles every chain once
 * with the real plugins, then publishes the state. The score divided by {@code rows} is the
 * gateway's CPU per row; it stays flat when it is linear in the rows.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar BulkLoad}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BulkLoadBenchmark {
    @Param({"1000", "10000"})
    public int rows;

    private BenchGateway gateway;
    private SnapshotManager manager;
    private final List<List<StoreChange>> batches = new ArrayList<>();
    private long revision;
    private int flip;

    @Setup(Level.Trial)
    public void setUp() {
        gateway = new BenchGateway(Fixtures.cannedUpstream(new byte[0], new byte[0]));
        manager = new SnapshotManager(gateway.kinds(), gateway.compiler(), Clock.systemUTC());
        List<StoreRow> base = new ArrayList<>();
        Fixtures.policyRows().forEach((kind, byId) -> byId.forEach((id, json) -> base.add(row(kind, id, json))));
        manager.onSync(base, ++revision);
        for (String version : List.of("a", "b")) {
            List<StoreChange> batch = new ArrayList<>(rows);
            for (int i = 0; i < rows / 2; i++) {
                batch.add(new StoreChange.Put(row("api_keys", "k" + i,
                        Fixtures.callerKeyRow("key-" + version + i, "sk-bulk-key-" + i))));
                batch.add(new StoreChange.Put(row("models", "m" + i, "{\"display_name\":\"model-" + version + i
                        + "\",\"provider_key_id\":\"pk-mock\",\"model_name\":\"up-" + i + "\"}")));
            }
            batches.add(List.copyOf(batch));
        }
        manager.onChanges(batches.get(0), ++revision);
        if (!manager.rejected().isEmpty() || manager.current().snapshot().all(
                io.aisix.support.resource.CoreKinds.MODELS).size() < rows / 2) {
            throw new IllegalStateException("set-up rows rejected: " + manager.rejected());
        }
    }

    private StoreRow row(String kind, String id, String json) {
        return new StoreRow(kind, id, json.getBytes(StandardCharsets.UTF_8), ++revision);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
    }

    /** Every row of the batch replaced (the two versions alternate), one snapshot, one compile. */
    @Benchmark
    public GatewayState batch() {
        manager.onChanges(batches.get(flip ^= 1), ++revision);
        return manager.current();
    }
}
