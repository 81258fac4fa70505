package io.aisix.plugin.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The response cache's exact-match key ({@link CacheKey#digest}, the memory backend's key; Redis
 * takes its text): canonical JSON of the parsed request (keys sorted, numbers normalised) streamed
 * into SHA-256, for chat bodies of about 1 KiB and
 * 32 KiB (a short and a long conversation). This class sits in the cache plugin's package to
 * reach the package-private key function the filter calls.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar CacheKey}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CacheKeyBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Param({"1", "32"})
    public int kib;

    private ObjectNode body;
    private CachePolicy policy;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        policy = CachePoliciesKind.KIND.decode("c1", JSON.readTree(
                "{\"name\":\"bench\",\"backend\":\"memory\",\"ttl_seconds\":300,\"applies_to\":\"all\",\"scope\":\"api_key\"}"));
        body = JSON.createObjectNode();
        body.put("model", "bench");
        body.put("temperature", 0.2);
        body.put("max_tokens", 256);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You are a concise assistant.");
        String turn = "Tell me more about the lighthouse keeper and the storm that night, in two or three sentences.";
        int i = 0;
        while (JSON.writeValueAsBytes(body).length < kib * 1024) {
            messages.addObject().put("role", i++ % 2 == 0 ? "user" : "assistant").put("content", turn);
        }
    }

    @Benchmark
    public CacheKey.Digest key() {
        return CacheKey.digest("CHAT_COMPLETIONS", "bench", policy, Optional.of("k-bench"), body);
    }
}
