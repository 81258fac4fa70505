package io.aisix.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.bench.support.BenchGateway;
import io.aisix.bench.support.Fixtures;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.spi.resource.Guardrail;
import io.aisix.support.guardrail.GuardrailsKind;
import java.io.IOException;
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
 * Guardrail scanning of prompt text, {@code kib} KiB of it (divide the score by {@code kib} for
 * the cost per KiB): the load harness's {@code keyword} guardrail (three literals and a
 * case-insensitive regex) and its {@code pii} guardrail (email, phone, credit card, US SSN, API
 * key detectors, masking), as compiled by their kinds. {@code text}: {@code clean} prose passes;
 * {@code pii} prose carries an email address and a phone number per KiB, which the PII check masks.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar GuardrailScan}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GuardrailScanBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROSE = "The keeper climbed the spiral stairs at dusk, trimmed the wick and wound "
            + "the clockwork that turned the great lens. Ships passed far out in the channel, their lights small "
            + "against the dark water, and he logged each one in the book by the window. ";

    @Param({"keyword", "pii"})
    public String kind;

    @Param({"1", "16"})
    public int kib;

    @Param({"clean", "pii"})
    public String text;

    private BenchGateway gateway;
    private GuardrailCheck check;
    private String input;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        gateway = new BenchGateway(Fixtures.cannedUpstream(new byte[0], new byte[0]));
        String row = Fixtures.policyRows().get("guardrails").get(kind.equals("keyword") ? "g-keywords" : "g-pii");
        Guardrail g = GuardrailsKind.KIND.decode("g", JSON.readTree(row));
        check = gateway.context().service(GuardrailKinds.class).orElseThrow().find(g.kind()).orElseThrow()
                .compile(g, gateway.context());
        StringBuilder b = new StringBuilder(kib * 1024 + PROSE.length());
        while (b.length() < kib * 1024) {
            if (text.equals("pii") && b.length() % 1024 < PROSE.length()) {
                b.append("Write to keeper.north@example.org or call +1 (415) 555-0134 about the lamp. ");
            }
            b.append(PROSE);
        }
        b.setLength(kib * 1024);
        input = b.toString();
        GuardrailCheck.Verdict v = check.check(input, GuardrailCheck.Phase.INPUT);
        if (v.block() || text.equals("clean") && v.hit() || kind.equals("pii") && text.equals("pii") && !v.masks(input)) {
            throw new IllegalStateException("unexpected verdict " + v.hit() + "/" + v.block());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
    }

    @Benchmark
    public GuardrailCheck.Verdict scan() {
        return check.check(input, GuardrailCheck.Phase.INPUT);
    }
}
