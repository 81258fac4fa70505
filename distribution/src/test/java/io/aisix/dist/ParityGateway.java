package io.aisix.dist;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.MockUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every built-in plugin (as shipped) in front of the mock upstream, for the request-path parity
 * tests (issue 19): an OpenAI-wire provider key on the mock, a caller key, and a {@code file}
 * exporter whose NDJSON lines are the usage events, read back with {@link #usageEvent}. Resources
 * are written as AISIX writes them.
 */
final class ParityGateway implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    static final String CALLER = "sk-parity-caller-0123456789";
    static final String UPSTREAM_SECRET = "sk-upstream-parity-secret-987654";

    private final String upstreamYaml;
    // set for the duration of one test class, between beforeAll and afterAll
    MockUpstream mock;
    TestGateway gw;
    GatewayFixture fx;
    String providerKeyId;
    private Path dir;
    private Path usageFile;

    /**
     * For a test class's {@code @RegisterExtension static} field: a gateway with {@code upstreamYaml}
     * (a flow mapping) as its {@code upstream:} section, on the embedded store, started before the
     * class's {@code @BeforeAll} methods and stopped after its {@code @AfterAll} ones; the mock's
     * script and recordings are reset before each test.
     */
    ParityGateway(String upstreamYaml) {
        this.upstreamYaml = upstreamYaml;
    }

    /**
     * {@code client: helidon}, {@code http2: true} and {@code http2_prior_knowledge: true} are added
     * for the {@code *HelidonClientIT} subclasses that run a test class again through the
     * alternative upstream client: HTTP/2 (h2c) to the mock.
     */
    static String upstreamFor(Class<?> testClass, String upstreamYaml) {
        return testClass.getSimpleName().endsWith("HelidonClientIT")
                ? upstreamYaml.substring(0, upstreamYaml.lastIndexOf('}'))
                        + ", client: helidon, http2: true, http2_prior_knowledge: true }"
                : upstreamYaml;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("aisix-parity");
        usageFile = dir.resolve("usage.ndjson");
        mock = MockUpstream.start();
        gw = TestGateway.start(dir, "upstream: " + upstreamFor(context.getRequiredTestClass(), upstreamYaml) + "\n",
                null);
        fx = new GatewayFixture(gw);
        providerKeyId = fx.create("provider_keys", """
                {"display_name":"mock-openai","provider":"openai","api_key":"%s","api_base":"%s"}"""
                .formatted(UPSTREAM_SECRET, mock.openAiBase()));
        fx.apiKey(CALLER);
        fx.create("observability_exporters", """
                {"name":"usage-file","kind":"file","path":"%s","batch_size":1,"flush_interval_ms":20}"""
                .formatted(usageFile.toString().replace("\\", "\\\\")));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        mock.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            gw.close();
            mock.close();
        } finally {
            LocalProcesses.deleteTree(dir);
        }
    }

    /** A direct model on the mock provider key, with extra AISIX fields ({@code "timeout":500}). */
    void model(String alias, String extraFields) {
        fx.create("models", "{\"display_name\":\"" + alias + "\",\"provider\":\"openai\",\"provider_key_id\":\""
                + providerKeyId + "\",\"model_name\":\"up-" + alias + "\"" + (extraFields.isEmpty() ? "" : ",")
                + extraFields + "}");
    }

    /** A routing model: {@code routing} is the JSON of its {@code routing} block; {@code extra} more fields. */
    void routing(String alias, String routing, String extra) {
        fx.create("models", "{\"display_name\":\"" + alias + "\",\"routing\":" + routing
                + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    HttpResponse<String> chat(String alias, boolean stream, String... headers) {
        return fx.chat(CALLER, "{\"model\":\"" + alias + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", headers);
    }

    HttpResponse<String> messages(String alias, boolean stream) {
        return fx.post("/v1/messages", CALLER, "{\"model\":\"" + alias + "\",\"max_tokens\":64,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    String metrics() {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics"))));
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        return r.body();
    }

    /** The value of the series of {@code name} whose labels include {@code labels}; -1 when absent. */
    static double value(String text, String name, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        outer:
        while (m.find()) {
            for (int i = 0; i < labels.length; i += 2) {
                if (!m.group(1).contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                    continue outer;
                }
            }
            return Double.parseDouble(m.group(2));
        }
        return -1;
    }

    /** Waits until {@code name{labels}} reached {@code atLeast} (requests are recorded just after their last byte). */
    String metricsWhen(double atLeast, String name, String... labels) {
        String[] text = new String[1];
        await(() -> value(text[0] = metrics(), name, labels) >= atLeast, name + " to reach " + atLeast);
        return text[0];
    }

    /** The usage event of {@code requestId}, once the file exporter wrote it. */
    JsonNode usageEvent(String requestId) {
        JsonNode[] found = new JsonNode[1];
        await(() -> (found[0] = usageEvents().stream().filter(e -> e.path("request_id").asText().equals(requestId))
                .findFirst().orElse(null)) != null, "the usage event of " + requestId);
        return found[0];
    }

    private List<JsonNode> usageEvents() {
        List<JsonNode> out = new ArrayList<>();
        try {
            if (Files.exists(usageFile)) {
                for (String line : Files.readAllLines(usageFile)) {
                    if (!line.isBlank()) {
                        out.add(GatewayFixture.tree(line));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            GatewayFixture.sleep(10);
        }
    }

    static String requestId(HttpResponse<?> r) {
        return r.headers().firstValue("x-aisix-request-id").orElseThrow();
    }
}
