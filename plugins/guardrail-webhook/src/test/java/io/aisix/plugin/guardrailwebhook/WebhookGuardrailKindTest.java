package io.aisix.plugin.guardrailwebhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.upstream.Http1UpstreamClient;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailCheck.Verdict;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.TestPluginContext;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook kind against a loopback HTTP server, through the kernel's real upstream client. */
class WebhookGuardrailKindTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LoopbackHttpServer server;
    private Http1UpstreamClient client;
    private final CountDownLatch release = new CountDownLatch(1);
    private TestPluginContext context;

    @BeforeEach
    void start() {
        server = LoopbackHttpServer.start()
                .answer("/allow", 200, "{\"flagged\":false}")
                .answer("/block", 200, "{\"flagged\":true}")
                .answer("/action-block", 200, "{\"action\":\"block\"}")
                .answer("/action-allow", 200, "{\"action\":\"allow\"}")
                .answer("/mask", 200, "{\"action\":\"mask\",\"text\":\"my name is [NAME]\"}")
                .answer("/mask-without-text", 200, "{\"action\":\"mask\"}")
                .answer("/error", 500, "{\"flagged\":false}")
                .answer("/garbage", 200, "not json")
                .answer("/unknown", 200, "{\"verdict\":\"fine\"}")
                .route("/slow", req -> {
                    release.await(30, TimeUnit.SECONDS);
                    return LoopbackHttpServer.Reply.json(200, "{\"flagged\":false}");
                });
        client = new Http1UpstreamClient(new GatewayConfig.Upstream(null, null, null, null));
        context = new TestPluginContext().upstream(client);
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
        client.close();
    }

    private String url(String path) {
        return server.url(path);
    }

    private GuardrailCheck compile(String path, String extra) throws Exception {
        return new WebhookGuardrailKind().compile(GuardrailsKind.KIND.decode("g1", JSON.readTree(
                "{\"name\":\"hook\",\"kind\":\"webhook\",\"url\":\"" + url(path) + "\"" + extra + "}")), context);
    }

    @Test
    void allowVerdictPassesAndTheServiceGetsTextPhaseAndHeaders() throws Exception {
        GuardrailCheck c = compile("/allow", ",\"headers\":{\"Authorization\":\"Bearer hook-secret\"}");
        assertTrue(c.remote());
        assertEquals(Verdict.pass("hello there"), c.check("hello there", Phase.OUTPUT));
        RecordedRequest r = server.nextRequest(Duration.ofSeconds(5));
        assertEquals("Bearer hook-secret", r.header("authorization").orElse(null));
        assertEquals("application/json", r.header("content-type").orElse(null));
        assertEquals("hello there", r.json().get("text").asText());
        assertEquals("output", r.json().get("phase").asText());
        assertEquals("hook", r.json().get("guardrail").asText());
        assertEquals(Verdict.pass("x"), compile("/action-allow", "").check("x", Phase.INPUT));
    }

    @Test
    void blockVerdictsBlock() throws Exception {
        assertTrue(compile("/block", "").check("bad text", Phase.INPUT).block());
        assertTrue(compile("/action-block", "").check("bad text", Phase.INPUT).block());
    }

    @Test
    void maskVerdictReplacesTheText() throws Exception {
        Verdict v = compile("/mask", "").check("my name is Jane", Phase.INPUT);
        assertTrue(v.hit());
        assertFalse(v.block());
        assertEquals("my name is [NAME]", v.masked());
    }

    @Test
    void timeoutFailsOpenByDefault() throws Exception {
        GuardrailCheck c = compile("/slow", ",\"timeout_ms\":200");
        Verdict v = c.check("anything", Phase.INPUT);
        assertTrue(v.bypassed());
        assertFalse(v.block());
        assertEquals("anything", v.masked());
        assertEquals(1.0, context.metrics().counter(WebhookCheck.FAILURES, "guardrail", "hook", "reason", "timeout"));
    }

    @Test
    void timeoutFailsClosedWithoutFailOpen() throws Exception {
        GuardrailCheck c = compile("/slow", ",\"timeout_ms\":200,\"fail_open\":false");
        Verdict v = c.check("anything", Phase.OUTPUT);
        assertTrue(v.block());
        assertFalse(v.bypassed());
    }

    @Test
    void errorStatusesAndBadVerdictsFollowFailOpen() throws Exception {
        for (String path : new String[] {"/error", "/garbage", "/unknown", "/mask-without-text"}) {
            assertTrue(compile(path, "").check("t", Phase.INPUT).bypassed(), path);
            assertTrue(compile(path, ",\"fail_open\":false").check("t", Phase.INPUT).block(), path);
        }
        assertEquals(2.0, context.metrics().counter(WebhookCheck.FAILURES, "guardrail", "hook", "reason", "status"));
        assertEquals(6.0, context.metrics().counter(WebhookCheck.FAILURES, "guardrail", "hook", "reason", "bad_verdict"));
    }

    @Test
    void unreachableServiceFollowsFailOpen() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String dead = ",\"url\":\"http://127.0.0.1:" + port + "/x\"";
        GuardrailCheck open = new WebhookGuardrailKind().compile(GuardrailsKind.KIND.decode("g1", JSON.readTree(
                "{\"name\":\"hook\",\"kind\":\"webhook\"" + dead + "}")), context);
        assertTrue(open.check("t", Phase.INPUT).bypassed());
        GuardrailCheck closed = new WebhookGuardrailKind().compile(GuardrailsKind.KIND.decode("g1", JSON.readTree(
                "{\"name\":\"hook\",\"kind\":\"webhook\",\"fail_open\":false" + dead + "}")), context);
        assertTrue(closed.check("t", Phase.INPUT).block());
    }

    @Test
    void validationNamesTheField() {
        assertEquals("/url", invalid("{\"name\":\"h\",\"kind\":\"webhook\"}"));
        assertEquals("/url", invalid("{\"name\":\"h\",\"kind\":\"webhook\",\"url\":\"ftp://x/y\"}"));
        assertEquals("/url", invalid("{\"name\":\"h\",\"kind\":\"webhook\",\"url\":\"not a url\"}"));
        assertEquals("/timeout_ms", invalid("{\"name\":\"h\",\"kind\":\"webhook\",\"url\":\"http://h/\",\"timeout_ms\":0}"));
        assertEquals("/timeout_ms", invalid("{\"name\":\"h\",\"kind\":\"webhook\",\"url\":\"http://h/\",\"timeout_ms\":600000}"));
        assertEquals("/headers/Host",
                invalid("{\"name\":\"h\",\"kind\":\"webhook\",\"url\":\"http://h/\",\"headers\":{\"Host\":\"x\"}}"));
        assertEquals("/headers/x",
                invalid("{\"name\":\"h\",\"kind\":\"webhook\",\"url\":\"http://h/\",\"headers\":{\"x\":1}}"));
    }

    private String invalid(String row) {
        return assertThrows(ValidationException.class, () -> new WebhookGuardrailKind().compile(
                GuardrailsKind.KIND.decode("g", JSON.readTree(row)), context)).issues().get(0).path();
    }
}
