package io.aisix.plugin.guardrails;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.HttpsUpstream;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guardrails end to end: a real gateway with caller keys, aliases, the three built-in kinds and
 * a recording test adapter, configured through the Admin API.
 */
class GuardrailsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_ONE = "caller-key-one-0123456789";
    private static final String KEY_TWO = "caller-key-two-0123456789";

    @TempDir
    Path dir;
    TestGateway gw;
    String keyTwoId;

    @BeforeEach
    void start() throws Exception {
        start(dir, "");
    }

    /** A gateway in {@code at} with the extra YAML, the provider key, models m1, m2 and both caller keys. */
    private void start(Path at, String yaml) throws Exception {
        EchoAdapter.RECEIVED.clear();
        OutcomeRecorder.OUTCOMES.clear();
        gw = TestGateway.start(Files.createDirectories(at), yaml, null);
        String pk = create("provider_keys", "{\"display_name\":\"k\",\"provider\":\"" + EchoAdapter.ID
                + "\",\"api_key\":\"sk-test-0123456789\"}").at("/id").asText();
        create("models", "{\"display_name\":\"m1\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"echo\"}");
        create("models", "{\"display_name\":\"m2\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"echo\"}");
        create("api_keys", "{\"display_name\":\"one\",\"key\":\"" + KEY_ONE + "\"}");
        keyTwoId = create("api_keys", "{\"display_name\":\"two\",\"key\":\"" + KEY_TWO + "\"}").at("/id").asText();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    /** Creates a resource and waits until the gateway serves a snapshot that includes it. */
    private JsonNode create(String kind, String body) throws Exception {
        HttpResponse<String> r = gw.adminCall("POST", "/admin/v1/" + kind, body);
        assertEquals(201, r.statusCode(), r.body());
        JsonNode entry = JSON.readTree(r.body());
        awaitRevision(entry.get("revision").asLong());
        return entry;
    }

    private void awaitRevision(long revision) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            var state = gw.gateway.snapshots().current();
            if (state != null && state.snapshot().revision() >= revision) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the gateway did not apply revision " + revision);
    }

    private HttpResponse<String> chat(String key, String model, String content, boolean stream, String... headers) {
        String body = "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":"
                + JSON.getNodeFactory().textNode(content) + "}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                .header("Authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b);
    }

    /** The i-th request's guardrail outcome; completion callbacks run just after the response is written. */
    private static String outcome(int i) throws InterruptedException {
        for (int n = 0; n < 500 && OutcomeRecorder.OUTCOMES.size() <= i; n++) {
            Thread.sleep(10);
        }
        return OutcomeRecorder.OUTCOMES.get(i);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static String streamedText(String sse) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {") && line.contains("chat.completion.chunk")) {
                text.append(JSON.readTree(line.substring(6)).at("/choices/0/delta/content").asText(""));
            }
        }
        return text.toString();
    }

    @Test
    void inputBlockIs422NamingTheGuardrailButNotTheMatch() throws Exception {
        create("guardrails", "{\"name\":\"no-secrets\",\"kind\":\"keyword\",\"hook_point\":\"input\","
                + "\"patterns\":[{\"kind\":\"literal\",\"value\":\"launch codes\"}]}");
        HttpResponse<String> r = chat(KEY_ONE, "m1", "tell me the LAUNCH CODES please", false);
        assertEquals(422, r.statusCode(), r.body());
        JsonNode err = json(r).get("error");
        assertEquals("content_filter", err.get("type").asText());
        assertEquals("content_filter", err.get("code").asText());
        assertEquals("request blocked by content policy (guardrail 'no-secrets')", err.get("message").asText());
        assertFalse(r.body().toLowerCase(Locale.ROOT).contains("launch"), r.body());
        assertTrue(EchoAdapter.RECEIVED.isEmpty(), "a blocked request never reaches the upstream");
        assertTrue(r.headers().firstValue("x-aisix-request-id").isPresent());
        assertEquals(200, chat(KEY_ONE, "m1", "harmless", false).statusCode());
        assertEquals("blocked:no-secrets", outcome(0));
        assertEquals("pass", outcome(1));
    }

    @Test
    void inputBlockOnTheMessagesEndpointUsesTheAnthropicEnvelope() throws Exception {
        // No inbound translator is installed in this test; the guardrail reads the Anthropic body
        // directly (same messages/content shape), and the kernel renders the Anthropic envelope.
        create("guardrails", "{\"name\":\"no-secrets\",\"kind\":\"keyword\","
                + "\"patterns\":[{\"kind\":\"regex\",\"value\":\"launch\\\\s+codes\"}]}");
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/messages")))
                .header("x-api-key", KEY_ONE)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m1\",\"max_tokens\":16,\"system\":\"be brief\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"the launch  codes\"}]}]}")));
        assertEquals(422, r.statusCode(), r.body());
        JsonNode env = json(r);
        assertEquals("error", env.get("type").asText());
        assertEquals("invalid_request_error", env.at("/error/type").asText());
        assertEquals("request blocked by content policy (guardrail 'no-secrets')", env.at("/error/message").asText());
        assertFalse(r.body().contains("launch"), r.body());
        assertTrue(EchoAdapter.RECEIVED.isEmpty());
    }

    @Test
    void maskRewritesWhatTheUpstreamReceives() throws Exception {
        create("guardrails", "{\"name\":\"pii\",\"kind\":\"pii\",\"hook_point\":\"input\","
                + "\"detectors\":[{\"type\":\"email\"},{\"type\":\"credit_card\"}]}");
        HttpResponse<String> r = chat(KEY_ONE, "m1", "mail jane@example.com, card 4111 1111 1111 1111", false);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = EchoAdapter.RECEIVED.get(0);
        assertEquals("mail [EMAIL_REDACTED], card [CREDIT_CARD_REDACTED]", sent.at("/messages/1/content").asText());
        assertEquals("be brief", sent.at("/messages/0/content").asText(), "untouched messages stay as sent");
        assertEquals("mail [EMAIL_REDACTED], card [CREDIT_CARD_REDACTED]",
                json(r).at("/choices/0/message/content").asText(), "the echo shows the upstream saw masked text");
        assertEquals("masked:pii", outcome(0));
    }

    @Test
    void outputBlockOnJsonAnswer() throws Exception {
        create("guardrails", "{\"name\":\"out-kw\",\"kind\":\"keyword\",\"hook_point\":\"output\","
                + "\"patterns\":[{\"value\":\"forbidden\"}]}");
        HttpResponse<String> r = chat(KEY_ONE, "m1", "the prompt says forbidden but input is not checked", false,
                "x-test-reply", "the answer is Forbidden knowledge");
        assertEquals(422, r.statusCode(), r.body());
        assertEquals("response blocked by content policy (guardrail 'out-kw')", json(r).at("/error/message").asText());
        assertFalse(r.body().toLowerCase(Locale.ROOT).contains("forbidden"), r.body());
        assertEquals(1, EchoAdapter.RECEIVED.size(), "hook_point output leaves the prompt alone");
    }

    @Test
    void outputMaskOnJsonAnswer() throws Exception {
        create("guardrails", "{\"name\":\"out-pii\",\"kind\":\"pii\",\"hook_point\":\"output\","
                + "\"detectors\":[{\"type\":\"email\"}]}");
        HttpResponse<String> r = chat(KEY_ONE, "m1", "who?", false, "x-test-reply", "write to bob@example.com today");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("write to [EMAIL_REDACTED] today", json(r).at("/choices/0/message/content").asText());
        assertEquals("m1", json(r).get("model").asText());
    }

    @Test
    void outputBlockMidStreamEndsWithAnErrorFrameAndNoDone() throws Exception {
        create("guardrails", "{\"name\":\"out-kw\",\"kind\":\"keyword\",\"hook_point\":\"output\","
                + "\"patterns\":[{\"value\":\"forbidden\"}]}");
        String reply = "lorem ipsum ".repeat(50) + "and now the forbidden part " + "dolor sit ".repeat(20);
        HttpResponse<String> r = chat(KEY_ONE, "m1", "go", true, "x-test-reply", reply, "x-test-chunk", "7");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        String body = r.body();
        assertTrue(body.contains("event: error\n"), body);
        assertFalse(body.contains("[DONE]"), body);
        assertFalse(body.contains("forb"), "no part of the blocked text was released");
        String released = streamedText(body);
        assertTrue(released.startsWith("lorem ipsum lorem"), "text before the match streamed: " + released);
        String errorData = body.substring(body.indexOf("event: error\ndata: ") + "event: error\ndata: ".length()).trim();
        JsonNode err = JSON.readTree(errorData).get("error");
        assertEquals("content_filter", err.get("type").asText());
        assertEquals("response blocked by content policy (guardrail 'out-kw')", err.get("message").asText());
    }

    @Test
    void streamMasksAcrossChunksAndCompletes() throws Exception {
        create("guardrails", "{\"name\":\"out-pii\",\"kind\":\"pii\",\"hook_point\":\"output\","
                + "\"detectors\":[{\"type\":\"email\"}]}");
        String reply = "Hello! ".repeat(30) + "Reach me at alice.smith@example.org any time. " + "Bye. ".repeat(40) + "End.";
        HttpResponse<String> r = chat(KEY_ONE, "m1", "go", true, "x-test-reply", reply, "x-test-chunk", "3");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertFalse(r.body().contains("alice"), r.body());
        assertEquals(reply.replace("alice.smith@example.org", "[EMAIL_REDACTED]"), streamedText(r.body()));
    }

    @Test
    void monitorModePassesTrafficAndRecordsTheHit() throws Exception {
        create("guardrails", "{\"name\":\"watch\",\"kind\":\"keyword\",\"enforcement_mode\":\"monitor\","
                + "\"patterns\":[{\"value\":\"budget\"}]}");
        create("guardrails", "{\"name\":\"watch-pii\",\"kind\":\"pii\",\"enforcement_mode\":\"monitor\","
                + "\"detectors\":[{\"type\":\"email\"}]}");
        HttpResponse<String> r = chat(KEY_ONE, "m1", "what is the budget? ask cfo@example.com", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("what is the budget? ask cfo@example.com", EchoAdapter.RECEIVED.get(0).at("/messages/1/content").asText());
        assertEquals("what is the budget? ask cfo@example.com", json(r).at("/choices/0/message/content").asText());
        assertEquals("monitored:watch,monitored:watch-pii,monitored:watch,monitored:watch-pii", outcome(0),
                "input and output hits are recorded");
        HttpResponse<String> s = chat(KEY_ONE, "m1", "the budget", true);
        assertEquals(200, s.statusCode());
        assertEquals("the budget", streamedText(s.body()));
        assertTrue(s.body().endsWith("data: [DONE]\n\n"));
        assertEquals("monitored:watch,monitored:watch", outcome(1));
    }

    @Test
    void appliesToScopesByModelAlias() throws Exception {
        create("guardrails", "{\"name\":\"m2-only\",\"kind\":\"keyword\",\"applies_to\":[\"model:m2\"],"
                + "\"patterns\":[{\"value\":\"secret\"}]}");
        assertEquals(200, chat(KEY_ONE, "m1", "a secret", false).statusCode());
        HttpResponse<String> r = chat(KEY_ONE, "m2", "a secret", false);
        assertEquals(422, r.statusCode());
        assertTrue(r.body().contains("'m2-only'"));
    }

    @Test
    void appliesToScopesByCallerKey() throws Exception {
        create("guardrails", "{\"name\":\"key-two-only\",\"kind\":\"keyword\",\"applies_to\":[\"api_key:" + keyTwoId
                + "\"],\"patterns\":[{\"value\":\"secret\"}]}");
        assertEquals(200, chat(KEY_ONE, "m1", "a secret", false).statusCode());
        assertEquals(422, chat(KEY_TWO, "m1", "a secret", false).statusCode());
    }

    @Test
    void guardrailChangesThroughTheAdminApiApplyWithoutRestart() throws Exception {
        assertEquals(200, chat(KEY_ONE, "m1", "a secret", false).statusCode());
        JsonNode g = create("guardrails", "{\"name\":\"live\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"secret\"}]}");
        assertEquals(422, chat(KEY_ONE, "m1", "a secret", false).statusCode());

        String id = g.get("id").asText();
        HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/guardrails/" + id,
                "{\"name\":\"live\",\"kind\":\"keyword\",\"enabled\":false,\"patterns\":[{\"value\":\"secret\"}]}");
        assertEquals(200, put.statusCode(), put.body());
        awaitRevision(json(put).get("revision").asLong());
        assertEquals(200, chat(KEY_ONE, "m1", "a secret", false).statusCode(), "disabled guardrails do nothing");

        put = gw.adminCall("PUT", "/admin/v1/guardrails/" + id,
                "{\"name\":\"live\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"other\"}]}");
        awaitRevision(json(put).get("revision").asLong());
        assertEquals(200, chat(KEY_ONE, "m1", "a secret", false).statusCode());
        assertEquals(422, chat(KEY_ONE, "m1", "the other one", false).statusCode());

        HttpResponse<String> del = gw.adminCall("DELETE", "/admin/v1/guardrails/" + id, null);
        assertEquals(200, del.statusCode(), del.body());
        for (int i = 0; i < 500 && chat(KEY_ONE, "m1", "the other one", false).statusCode() != 200; i++) {
            Thread.sleep(10);
        }
        assertEquals(200, chat(KEY_ONE, "m1", "the other one", false).statusCode());
    }

    @Test
    void invalidGuardrailsAreRefusedWithTheFieldPath() throws Exception {
        HttpResponse<String> regex = gw.adminCall("POST", "/admin/v1/guardrails",
                "{\"name\":\"bad\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"regex\",\"value\":\"(unclosed\"}]}");
        assertEquals(400, regex.statusCode(), regex.body());
        assertEquals("/patterns/0/value", json(regex).at("/errors/0/path").asText());

        HttpResponse<String> kind = gw.adminCall("POST", "/admin/v1/guardrails",
                "{\"name\":\"bad\",\"kind\":\"lakera\",\"api_key\":\"x\"}");
        assertEquals(400, kind.statusCode(), kind.body());
        assertEquals("/kind", json(kind).at("/errors/0/path").asText());
        assertTrue(json(kind).at("/errors/0/message").asText().contains("keyword, pii, webhook"), kind.body());

        HttpResponse<String> pii = gw.adminCall("POST", "/admin/v1/guardrails",
                "{\"name\":\"bad\",\"kind\":\"pii\",\"detectors\":[{\"type\":\"email\",\"action\":\"shred\"}]}");
        assertEquals("/detectors/0/action", json(pii).at("/errors/0/path").asText());

        HttpResponse<String> hook = gw.adminCall("POST", "/admin/v1/guardrails",
                "{\"name\":\"bad\",\"kind\":\"webhook\"}");
        assertEquals("/url", json(hook).at("/errors/0/path").asText());
    }

    @Test
    void invalidRowWrittenStraightIntoTheStoreIsSkippedAndReported() throws Exception {
        long rev = gw.gateway.store().put("guardrails", "raw-bad",
                "{\"name\":\"raw\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"regex\",\"value\":\"[x\"}]}"
                        .getBytes(StandardCharsets.UTF_8), -1).revision();
        for (int i = 0; i < 500 && gw.gateway.snapshots().rejected().isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(1, gw.gateway.snapshots().rejected().size());
        assertTrue(gw.gateway.snapshots().rejected().get(0).errors().get(0).startsWith("/patterns/0/value"),
                gw.gateway.snapshots().rejected().toString());
        awaitRevision(rev);
        assertEquals(200, chat(KEY_ONE, "m1", "x", false).statusCode(), "the bad row is not applied");
    }

    @Test
    void webhookGuardrailCallsTheServiceThroughTheGateway() throws Exception {
        try (LoopbackHttpServer hook = LoopbackHttpServer.start()) {
            hook.route("/judge", req -> {
                String text = req.json().get("text").asText();
                return LoopbackHttpServer.Reply.json(200, text.contains("dangerous") ? "{\"flagged\":true}"
                        : "{\"action\":\"mask\",\"text\":" + JSON.getNodeFactory().textNode(text.replace("Jane", "[NAME]"))
                        + "}");
            });
            create("guardrails", "{\"name\":\"judge\",\"kind\":\"webhook\",\"hook_point\":\"input\",\"url\":\""
                    + hook.url("/judge") + "\",\"timeout_ms\":5000}");
            assertEquals(422, chat(KEY_ONE, "m1", "something dangerous", false).statusCode());
            HttpResponse<String> r = chat(KEY_ONE, "m1", "I am Jane", false);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("I am [NAME]", EchoAdapter.RECEIVED.get(0).at("/messages/1/content").asText());
            assertEquals("be brief", EchoAdapter.RECEIVED.get(0).at("/messages/0/content").asText());
        }
    }

    /**
     * A webhook call is a side call: Helidon's WebClient although upstream.client is the builtin
     * one, through the CONNECT proxy of upstream.proxy to an HTTPS service trusted by
     * upstream.tls.ca_file.
     */
    @Test
    void webhookGuardrailReachesAnHttpsServiceWithHelidonsWebClientThroughTheEgressProxy() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        try (ConnectProxy proxy = ConnectProxy.start(); HttpsUpstream service = HttpsUpstream.start(certs)) {
            gw.close();
            start(dir.resolve("proxied"), "upstream: { tls: { ca_file: " + certs.caCert + " }, proxy: { url: "
                    + proxy.url() + " } }\n");
            create("guardrails", "{\"name\":\"judge\",\"kind\":\"webhook\",\"hook_point\":\"input\",\"url\":\""
                    + service.base() + "/hook/judge\",\"timeout_ms\":5000,\"fail_open\":false}");
            HttpResponse<String> r = chat(KEY_ONE, "m1", "hello", false);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(1, service.hooks.size(), service.hooks.toString());
            assertTrue(service.hooks.getFirst().userAgent().startsWith("Helidon"),
                    "sent by Helidon's WebClient: " + service.hooks.getFirst());
            assertTrue(proxy.seen().stream().anyMatch(s -> s.requestLine().matches("CONNECT (127\\.0\\.0\\.1|localhost):"
                    + service.base().substring(service.base().lastIndexOf(':') + 1) + " HTTP/1\\.1")),
                    "tunnelled through the egress proxy: " + proxy.seen());
        }
    }

    @Test
    void webhookHeadersReadBackMaskedWhileTheServiceGetsTheRealValue() throws Exception {
        String secret = "Bearer hook-secret-0123456789";
        try (LogCapture logged = LogCapture.of("io.aisix"); LoopbackHttpServer hook = LoopbackHttpServer.start()) {
            hook.answer("/judge", 200, "{\"flagged\":false}").answer("/down", 503, "{}");
            JsonNode created = create("guardrails", "{\"name\":\"judge\",\"kind\":\"webhook\",\"hook_point\":\"input\","
                    + "\"url\":\"" + hook.url("/judge") + "\",\"headers\":{\"Authorization\":\"" + secret + "\"}}");
            String id = created.get("id").asText();
            assertEquals("Bea…6789", created.at("/value/headers/Authorization").asText());
            HttpResponse<String> one = gw.adminCall("GET", "/admin/v1/guardrails/" + id, null);
            HttpResponse<String> list = gw.adminCall("GET", "/admin/v1/guardrails", null);
            assertEquals("Bea…6789", json(one).at("/value/headers/Authorization").asText());
            assertEquals("Bea…6789", json(list).at("/0/value/headers/Authorization").asText());
            assertFalse(one.body().contains("hook-secret") || list.body().contains("hook-secret"), list.body());

            assertEquals(200, chat(KEY_ONE, "m1", "hello", false).statusCode());
            assertEquals(secret, hook.requests().get(0).header("authorization").orElse(null),
                    "the service gets the real header, not the mask");

            // a PUT without headers keeps them; one pointing at a failing service logs the failure
            HttpResponse<String> put = gw.adminCall("PUT", "/admin/v1/guardrails/" + id, "{\"name\":\"judge\","
                    + "\"kind\":\"webhook\",\"hook_point\":\"input\",\"url\":\"" + hook.url("/down") + "\"}");
            assertEquals(200, put.statusCode(), put.body());
            assertEquals("Bea…6789", json(put).at("/value/headers/Authorization").asText());
            awaitRevision(json(put).get("revision").asLong());
            assertEquals(200, chat(KEY_ONE, "m1", "hello again", false).statusCode(), "fail_open");
            RecordedRequest down = hook.requests().stream().filter(r -> r.path().equals("/down")).findFirst().orElseThrow();
            assertEquals(secret, down.header("authorization").orElse(null));
            assertTrue(logged.contains("webhook call failed"), logged.toString());
            assertFalse(logged.contains("hook-secret"), logged.toString());
        }
    }
}
