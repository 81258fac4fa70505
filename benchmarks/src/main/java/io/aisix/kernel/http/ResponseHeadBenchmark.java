package io.aisix.kernel.http;

import io.aisix.spi.Headers;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http1.Http1ResponseHead;
import java.util.Arrays;
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
 * The head of a full answer as the kernel's {@code ProxyHandler.writeFull} sets it and Helidon
 * writes it: the load harness's answer fields (the cache's {@code x-aisix-cache}, the six
 * {@code x-ratelimit-*}, the request id, the content type) set one by one on Helidon's response
 * headers, then the buffer Helidon's {@code send(byte[])} hands the socket (head and a 900-byte
 * body). {@code field}: the kernel's {@link ResponseField}, read from the chain's header builder
 * by index (what {@code writeFull} does); {@code helidon}: Helidon's own values
 * ({@code HeaderValues.create}, which the response headers copy because they are writable) from
 * the built headers, what it did before, kept as the comparison.
 *
 * <p>Run: {@code mvn -B -ntp -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar ResponseHead -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseHeadBenchmark {
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-aisix-request-id");

    @Param({"field", "helidon"})
    public String fields;

    private boolean helidon;
    private Headers.Builder chain;
    private HeaderName[] names;
    private String[] namesText;
    private byte[] body;
    private String requestId;

    @Setup
    public void setUp() {
        helidon = fields.equals("helidon");
        chain = Headers.builder()
                .set("x-aisix-cache", "miss")
                .set("x-ratelimit-limit-requests", "1000000000")
                .set("x-ratelimit-remaining-requests", "999987654")
                .set("x-ratelimit-reset-requests", "37s")
                .set("x-ratelimit-limit-tokens", "1000000000000")
                .set("x-ratelimit-remaining-tokens", "999999123456")
                .set("x-ratelimit-reset-tokens", "37s");
        namesText = new String[chain.size()];
        names = new HeaderName[chain.size()];
        for (int i = 0; i < names.length; i++) {
            namesText[i] = chain.name(i);
            names[i] = HeaderNames.create(chain.name(i)); // ProxyHandler keeps these by name
        }
        body = new byte[900];
        Arrays.fill(body, (byte) 'a');
        requestId = ProxyHandler.requestId();
    }

    private HeaderName name(String text) {
        for (int i = 0; i < namesText.length; i++) {
            if (namesText[i] == text) {
                return names[i];
            }
        }
        return HeaderNames.create(text);
    }

    @Benchmark
    public BufferData head() {
        ServerResponseHeaders headers = ServerResponseHeaders.create();
        if (helidon) {
            chain.build().forEach((n, v) -> headers.set(HeaderValues.create(name(n), v)));
            headers.set(HeaderValues.create(REQUEST_ID, requestId));
            headers.set(HeaderValues.create(HeaderNames.CONTENT_TYPE, new String[] {"application/json"}));
        } else {
            for (int i = 0, n = chain.size(); i < n; i++) {
                headers.set(new ResponseField(name(chain.name(i)), chain.value(i)));
            }
            headers.set(new ResponseField(REQUEST_ID, requestId));
            headers.set(new ResponseField(HeaderNames.CONTENT_TYPE, "application/json"));
        }
        return Http1ResponseHead.responseBuffer(headers, Status.OK_200, body);
    }
}
