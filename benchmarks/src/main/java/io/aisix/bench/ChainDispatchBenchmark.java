package io.aisix.bench;

import io.aisix.bench.support.BenchGateway;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.chain.CompiledChain;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * One proxy request through the chain, without sockets: a new {@link KernelExchange} over the
 * request bytes, the request chain, and the completion callbacks the kernel runs after writing the
 * answer.
 *
 * <ul>
 *   <li>{@code 0}, {@code 1}, {@code 9}: the chain engine alone, with that many pass-through
 *       filters (9 = one per stage) in front of a terminal that answers at once;</li>
 *   <li>{@code full}: the shipped chain built by the real plugins from the load harness's
 *       configuration ({@link Fixtures#policyRows()}): request-id, provider-anthropic:messages, observe
 *       (metrics and the access-log queue), auth-api-key, alias-resolver, guardrails:input
 *       (keyword + PII over the prompt), cache (key hashed, read skipped with
 *       {@code Cache-Control: no-cache}, answer stored on completion), rate-limit (two request
 *       windows, a token window and a concurrency slot), the dispatcher, observe:upstream and the
 *       OpenAI adapter (request serialised, answer scanned and its model rewritten) over a canned
 *       upstream answer. This is the gateway's own work per request, minus HTTP.</li>
 * </ul>
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar ChainDispatch}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChainDispatchBenchmark {
    private static final Response ANSWER = Response.json(new byte[0]);

    @Param({"0", "1", "9", "full"})
    public String chain;

    private CompiledChain compiled;
    private Snapshot snapshot;
    private Headers headers;
    private byte[] body;
    private BenchGateway gateway;

    @Setup(Level.Trial)
    public void setUp() {
        body = Fixtures.chatRequest("bench", "1");
        headers = Headers.builder()
                .add("host", "127.0.0.1:3000")
                .add("content-type", "application/json")
                .add("authorization", "Bearer " + Fixtures.CALLER_KEY)
                .add("cache-control", "no-cache")
                .add("content-length", Integer.toString(body.length))
                .build();
        if (chain.equals("full")) {
            gateway = new BenchGateway(Fixtures.cannedUpstream(Fixtures.chatCompletion("gpt-4o-mini", "Hello there"),
                    Fixtures.chatStream("gpt-4o-mini", 8)));
            snapshot = gateway.snapshot(Fixtures.policyRows());
            GatewayState state = gateway.compile(snapshot);
            List<String> ids = BenchGateway.filterIds(state);
            for (String id : List.of("request-id", "observe", "auth-api-key", "alias-resolver", "guardrails:input",
                    "cache", "rate-limit", "observe:upstream")) {
                if (!ids.contains(id)) {
                    throw new IllegalStateException("the full chain lacks " + id + ": " + ids);
                }
            }
            compiled = state.chain();
            KernelExchange probe = exchange();
            Response r = compiled.execute(probe);
            probe.complete(new Completion(r.status(), Optional.empty(), false, true, false, System.nanoTime()));
            Headers out = probe.responseHeaders().build();
            if (r.status() != 200 || !out.first("x-aisix-cache").equals(Optional.of("bypass"))
                    || !out.contains("x-ratelimit-remaining-requests")) {
                throw new IllegalStateException("the full chain did not run as configured: " + r.status() + " " + out);
            }
            return;
        }
        snapshot = TestSnapshot.empty();
        int n = Integer.parseInt(chain);
        List<CompiledChain.Named> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new CompiledChain.Named("f" + i, (ex, c) -> c.proceed(ex)));
        }
        compiled = new CompiledChain(list, (ex, c) -> ANSWER);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private KernelExchange exchange() {
        return new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, headers, body, snapshot,
                "bench-request-id", System.nanoTime());
    }

    @Benchmark
    public Response dispatch() {
        KernelExchange ex = exchange();
        Response r = compiled.execute(ex);
        ex.complete(new Completion(r.status(), Optional.empty(), false, true, false, System.nanoTime()));
        return r;
    }
}
