package io.aisix.bench;

import io.aisix.kernel.chain.CompiledChain;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the chain engine itself: dispatching an exchange through 0, 1 and 9 pass-through
 * filters (the number of stages) to a terminal that answers at once.
 *
 * <p>Run: {@code mvn -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar ChainDispatch}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChainDispatchBenchmark {
    private static final Response ANSWER = Response.json(new byte[0]);
    private static final Snapshot SNAPSHOT = new Snapshot() {
        @Override
        public long revision() {
            return 1;
        }

        @Override
        public Instant builtAt() {
            return Instant.EPOCH;
        }

        @Override
        public <T> Map<String, T> all(ResourceKind<T> kind) {
            return Map.of();
        }
    };

    @Param({"0", "1", "9"})
    public int filters;

    private CompiledChain chain;

    @Setup
    public void setUp() {
        List<CompiledChain.Named> list = new ArrayList<>();
        for (int i = 0; i < filters; i++) {
            list.add(new CompiledChain.Named("f" + i, (ex, c) -> c.proceed(ex)));
        }
        chain = new CompiledChain(list, (ex, c) -> ANSWER);
    }

    @Benchmark
    public Response dispatch() {
        KernelExchange ex = new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS,
                Headers.empty(), new byte[0], SNAPSHOT, "rid", 0);
        return chain.execute(ex);
    }
}
