package io.aisix.bench;

import io.aisix.bench.load.MockMain;
import io.aisix.bench.support.Fixtures;
import io.aisix.providerkit.OpenAiScan;
import java.nio.charset.StandardCharsets;
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
 * provider-kit's {@link OpenAiScan} alone, the JSON pass over every OpenAI-family answer and
 * stream chunk (model offsets, choices, finish reason, error, usage tree): {@code answer} scans
 * the load harness's whole chat answer as bytes (the mock's {@code chat.completion} of 64 words
 * with its usage, about 900 bytes), {@code chunk} one of its stream's delta chunks as text (about
 * 230 chars, no usage), as {@code OpenAiProtocol} scans them.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar OpenAiScan -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OpenAiScanBenchmark {
    @Param({"answer", "chunk"})
    public String input;

    private boolean bytes;
    private byte[] answer;
    private String chunk;

    @Setup
    public void setUp() {
        bytes = "answer".equals(input);
        answer = Fixtures.chatCompletion("gpt-4o-mini", MockMain.text(64));
        String stream = new String(Fixtures.chatStream("gpt-4o-mini", 2), StandardCharsets.UTF_8);
        chunk = stream.split("\n\n")[1].substring("data: ".length());
        OpenAiScan a = OpenAiScan.scan(answer);
        OpenAiScan c = OpenAiScan.scan(chunk);
        if (a.usage() == null || !a.finished() || !c.hasChoice() || c.usage() != null) {
            throw new IllegalStateException("unexpected fixtures");
        }
    }

    @Benchmark
    public OpenAiScan scan() {
        return bytes ? OpenAiScan.scan(answer) : OpenAiScan.scan(chunk);
    }
}
