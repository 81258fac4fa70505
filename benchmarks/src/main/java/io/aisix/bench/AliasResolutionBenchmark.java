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
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.Digests;
import java.nio.charset.StandardCharsets;
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
 * The alias-resolver filter over 1,000 direct aliases, 20 wildcard aliases ({@code vendor-N/*})
 * and a routing alias, for a caller whose {@code allowed_models} is a glob list: {@code exact}
 * resolves a direct alias (a map lookup, targets precomputed per snapshot), {@code wildcard} the
 * least specific wildcard (every wildcard is tried, the capture substituted into the upstream
 * model), {@code routing} a failover alias over three direct aliases (precomputed). The request
 * JSON is parsed once in the set-up.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar AliasResolution}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AliasResolutionBenchmark {
    private static final Response ANSWER = Response.json(new byte[0]);
    private static final Chain NEXT = ex -> ANSWER;

    @Param({"exact", "wildcard", "routing"})
    public String alias;

    private BenchGateway gateway;
    private Filter filter;
    private KernelExchange exchange;

    @Setup(Level.Trial)
    public void setUp() {
        gateway = new BenchGateway(Fixtures.cannedUpstream(new byte[0], new byte[0]));
        Map<String, String> models = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            models.put("m" + i, "{\"display_name\":\"model-" + i + "\",\"provider_key_id\":\"pk-mock\",\"model_name\":\"up-" + i + "\"}");
        }
        for (int i = 0; i < 20; i++) {
            models.put("w" + i, "{\"display_name\":\"vendor-" + i + "/*\",\"provider_key_id\":\"pk-mock\",\"model_name\":\"*\"}");
        }
        models.put("r", "{\"display_name\":\"smart\",\"routing\":{\"strategy\":\"failover\",\"targets\":"
                + "[{\"model\":\"model-1\"},{\"model\":\"model-2\"},{\"model\":\"model-3\"}]}}");
        Map<String, Map<String, String>> rows = new LinkedHashMap<>(Fixtures.policyRows());
        rows.put("models", models);
        rows.put("api_keys", Map.of("k", "{\"display_name\":\"app\",\"key_hash\":\"" + Digests.sha256Hex("x")
                + "\",\"allowed_models\":[\"team-*\",\"vendor-*\",\"model-*\",\"smart\"]}"));
        Snapshot snapshot = gateway.snapshot(rows);
        filter = gateway.filter("alias-resolver", snapshot);
        String model = switch (alias) {
            case "exact" -> "model-500";
            case "wildcard" -> "vendor-9/some-model"; // sorted by length, then name: the last one tried
            default -> "smart";
        };
        byte[] body = ("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        exchange = new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, Headers.empty(), body,
                snapshot, "rid", 0);
        CallerKey caller = snapshot.all(io.aisix.support.resource.CoreKinds.API_KEYS).get("k");
        exchange.attr(CoreAttrs.CALLER, caller);
        exchange.json();
        filter.handle(exchange, NEXT);
        if (exchange.attr(CoreAttrs.TARGETS).isEmpty()) {
            throw new IllegalStateException("alias " + model + " did not resolve");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
    }

    @Benchmark
    public Response resolve() {
        return filter.handle(exchange, NEXT);
    }
}
