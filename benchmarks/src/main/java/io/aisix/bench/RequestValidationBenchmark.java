package io.aisix.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.http.RequestValidator;
import io.aisix.spi.Endpoint;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The kernel's {@link RequestValidator} on the load harness's chat request (about 300 bytes):
 * the body read into its tree within the shipped limits (depth 128, numbers of 1,000 digits) and
 * its fields checked, what every proxy request with a JSON body goes through.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar RequestValidation -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestValidationBenchmark {
    private final RequestValidator validator = new RequestValidator(128, 1000);
    private final byte[] body = Fixtures.chatRequest("bench", "42");

    @Benchmark
    public ObjectNode validate() {
        return validator.validate(Endpoint.CHAT_COMPLETIONS, body);
    }
}
