package io.aisix.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.bench.support.BenchGateway;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.providerkit.OpenAiScan;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Streaming cost per upstream event on the OpenAI wire (provider-kit's {@code SseReader},
 * {@code UpstreamEventStream} and {@link OpenAiScan}): {@code perEvent} runs the real OpenAI
 * adapter over a canned upstream stream of {@value #DELTAS} deltas (role chunk, deltas, finish
 * chunk, usage chunk, {@code [DONE]}: {@value #EVENTS} events) and drains it, so each event is
 * decoded from bytes, scanned (model offsets, choices, finish reason, usage) and, when forwarded,
 * re-emitted with the alias spliced in; the score is per upstream event, the per-stream set-up
 * (request serialised once) amortised over them. {@code scanAndRewrite} is the JSON part alone,
 * for one delta chunk.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar SseStream}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SseStreamBenchmark {
    static final int DELTAS = 64;
    static final int EVENTS = DELTAS + 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchGateway gateway;
    private ProviderAdapter adapter;
    private Target target;
    private KernelExchange exchange;
    private String chunk;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        gateway = new BenchGateway(Fixtures.cannedUpstream(Fixtures.chatCompletion("gpt-4o-mini", "hi"),
                Fixtures.chatStream("gpt-4o-mini", DELTAS)));
        adapter = gateway.adapter("openai");
        ProviderKey key = CoreKinds.PROVIDER_KEYS.decode("pk-mock",
                JSON.readTree(Fixtures.policyRows().get("provider_keys").get("pk-mock")));
        Model model = CoreKinds.MODELS.decode("m-bench",
                JSON.readTree(Fixtures.policyRows().get("models").get("m-bench")));
        target = new Target("bench", "bench", model, key, "gpt-4o-mini", "openai", 0, 1);
        byte[] body = "{\"model\":\"bench\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        exchange = new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, Headers.empty(), body,
                TestSnapshot.empty(), "rid", 0);
        exchange.json();
        int n = 0;
        try (EventStream events = events()) {
            for (Optional<SseEvent> e = events.next(); e.isPresent(); e = events.next()) {
                if (!e.get().data().contains("\"model\":\"bench\"")) {
                    throw new IllegalStateException("alias not spliced in: " + e.get().data());
                }
                n++;
            }
        }
        if (n != DELTAS + 2) { // role + deltas + finish; the usage chunk is not asked for; [DONE] is the kernel's
            throw new IllegalStateException("expected " + (DELTAS + 2) + " events, got " + n);
        }
        String all = new String(Fixtures.chatStream("gpt-4o-mini", 2), StandardCharsets.UTF_8);
        chunk = all.split("\n\n")[1].substring("data: ".length());
    }

    private EventStream events() {
        return ((Response.Streaming) adapter.invoke(exchange, target, gateway.context().upstream())).events();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void perEvent(Blackhole bh) {
        EventStream events = events();
        for (Optional<SseEvent> e = events.next(); e.isPresent(); e = events.next()) {
            bh.consume(e.get());
        }
        events.close();
    }

    @Benchmark
    public String scanAndRewrite() {
        return OpenAiScan.scan(chunk).rewriteModel(chunk, "\"bench\"");
    }
}
