package io.aisix.bench;

import io.aisix.bench.support.BenchGateway;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.resource.Snapshot;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * The auth-api-key filter: read the bearer key, SHA-256 it, look the digest up among
 * {@code keys} caller keys, check disabled/expiry, publish {@link CoreAttrs#CALLER}.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar CallerKeyLookup}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallerKeyLookupBenchmark {
    private static final Response ANSWER = Response.json(new byte[0]);
    private static final Chain NEXT = ex -> ANSWER;

    @Param({"10", "10000"})
    public int keys;

    private BenchGateway gateway;
    private Filter filter;
    private KernelExchange exchange;

    @Setup(Level.Trial)
    public void setUp() {
        gateway = new BenchGateway(Fixtures.cannedUpstream(new byte[0], new byte[0]));
        Map<String, String> rows = new LinkedHashMap<>();
        for (int i = 0; i < keys; i++) {
            rows.put("k" + i, Fixtures.callerKeyRow("key-" + i, "sk-bench-key-" + i));
        }
        Snapshot snapshot = gateway.snapshot(Map.of("api_keys", rows));
        filter = gateway.filter("auth-api-key", snapshot);
        exchange = new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS,
                Headers.of("authorization", "Bearer sk-bench-key-" + keys / 2), new byte[0], snapshot, "rid", 0);
        filter.handle(exchange, NEXT);
        if (exchange.attr(CoreAttrs.CALLER).isEmpty()) {
            throw new IllegalStateException("the key was not found");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
    }

    @Benchmark
    public Response lookup() {
        // the filter passes an exchange that already has a caller (a JWT caller's) through untouched
        exchange.attr(CoreAttrs.CALLER, null);
        return filter.handle(exchange, NEXT);
    }
}
