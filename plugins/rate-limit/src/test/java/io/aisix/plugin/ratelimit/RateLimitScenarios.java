package io.aisix.plugin.ratelimit;

import static io.aisix.kernel.testsupport.GatewayFixture.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.kernel.testsupport.RawSse;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.CompletionRecorder;
import io.aisix.testkit.TestLlmAdapter;
import io.aisix.spi.Completion;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate-limit behaviour end to end through a real gateway; run once per counter backend by the
 * subclasses. The gateway clock is injected: it starts 10 s into a minute and only moves when a
 * test moves it.
 */
abstract class RateLimitScenarios {
    static final String BODY = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String STREAM_BODY = "{\"model\":\"m1\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:10Z"));
    TestGateway gw;
    GatewayFixture fx;
    String m1;

    /** The {@code ratelimit:} block of the startup config. */
    abstract String backendYaml();

    TestGateway startGateway(Path data) throws Exception {
        Files.createDirectories(data);
        return TestGateway.start(data, "upstream: { retries: 2 }\n" + backendYaml(), null, clock);
    }

    @BeforeEach
    void start() throws Exception {
        gw = startGateway(dir.resolve("a"));
        fx = new GatewayFixture(gw);
        m1 = fx.model("m1", "test-llm");
        fx.model("m2", "test-llm");
        TestLlmAdapter.CALLS.set(0);
        CompletionRecorder.COMPLETIONS.clear();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    /** The plaintext of the caller key called {@code name}. */
    static String secret(String name) {
        return name + "-test-secret";
    }

    /** A caller key called {@code name} with optional rate_limit / team_id JSON fields; returns its id. */
    String key(String name, String extraFields) {
        return fx.create("api_keys", "{\"display_name\":\"" + name + "\",\"key\":\"" + secret(name) + "\""
                + (extraFields.isEmpty() ? "" : "," + extraFields) + "}");
    }

    /** A call that returns once the gateway finished the request, its slots and tokens settled. */
    HttpResponse<String> chat(String keyName, String body, String... headers) {
        return settled(() -> fx.chat(secret(keyName), body, headers));
    }

    static HttpResponse<String> settled(java.util.function.Supplier<HttpResponse<String>> call) {
        long done = CompletionRecorder.done();
        HttpResponse<String> r = call.get();
        CompletionRecorder.await(done + 1);
        return r;
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse("(none)");
    }

    static void assertRejected(HttpResponse<String> r, String messagePart) {
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("rate_limit_exceeded", tree(r.body()).at("/error/code").asText());
        assertTrue(tree(r.body()).at("/error/message").asText().contains(messagePart), r.body());
        assertTrue(r.headers().firstValue("retry-after").isPresent(), "Retry-After on every 429");
    }

    /** How the request tagged {@code x-test-record: name} ended, once it has (bounded wait). */
    static Completion awaitCompletion(String name) {
        return CompletionRecorder.completion(name, Duration.ofSeconds(10));
    }

    /** Sends until a request is admitted (bounded): a slot is released just after the response ended. */
    HttpResponse<String> eventuallyAdmitted(String key, String body) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> r = chat(key, body);
        while (r.statusCode() == 429 && System.nanoTime() < deadline) {
            GatewayFixture.sleep(20);
            r = chat(key, body);
        }
        return r;
    }

    @Test
    void rpmOnTheKeyWithHeadersAndAFixedWindow() {
        key("rpm-key", "\"rate_limit\":{\"rpm\":2}");
        HttpResponse<String> a = chat("rpm-key", BODY);
        assertEquals(200, a.statusCode(), a.body());
        assertEquals("2", header(a, "x-ratelimit-limit-requests"));
        assertEquals("1", header(a, "x-ratelimit-remaining-requests"));
        assertEquals("50s", header(a, "x-ratelimit-reset-requests"));
        assertEquals("0", header(chat("rpm-key", BODY), "x-ratelimit-remaining-requests"));
        HttpResponse<String> refused = chat("rpm-key", BODY);
        assertRejected(refused, "request limit exceeded (rpm of the API key)");
        assertEquals("50", header(refused, "retry-after"));
        assertEquals("2", header(refused, "x-ratelimit-limit-requests"));
        assertEquals("0", header(refused, "x-ratelimit-remaining-requests"));
        assertEquals("50s", header(refused, "x-ratelimit-reset-requests"));
        assertEquals(2, TestLlmAdapter.CALLS.get(), "a refused request never reaches the upstream");
        clock.advance(Duration.ofSeconds(50));
        assertEquals(200, chat("rpm-key", BODY).statusCode(), "the next minute has a fresh window");
    }

    @Test
    void tokensAreCountedFromTheRealUsage() {
        key("tpm-key", "\"rate_limit\":{\"tpm\":20}");
        HttpResponse<String> a = chat("tpm-key", BODY, "x-test-usage", "3,5");
        assertEquals("20", header(a, "x-ratelimit-remaining-tokens"));
        HttpResponse<String> b = chat("tpm-key", BODY, "x-test-usage", "10,2");
        assertEquals(200, b.statusCode());
        assertEquals("12", header(b, "x-ratelimit-remaining-tokens"), "8 tokens of the first call");
        HttpResponse<String> c = chat("tpm-key", BODY);
        assertRejected(c, "token limit exceeded (tpm of the API key)");
        assertEquals("20", header(c, "x-ratelimit-limit-tokens"));
        assertEquals("0", header(c, "x-ratelimit-remaining-tokens"));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(200, chat("tpm-key", BODY).statusCode());
    }

    @Test
    void streamedUsageCountsWhenTheStreamEnds() {
        key("tpm-stream", "\"rate_limit\":{\"tpm\":10}");
        HttpResponse<String> s = chat("tpm-stream", STREAM_BODY, "x-test-usage", "4,6");
        assertTrue(s.body().endsWith("data: [DONE]\n\n"));
        assertRejected(chat("tpm-stream", BODY), "token limit exceeded");
    }

    @Test
    void aConcurrencySlotIsHeldUntilTheStreamEnds() throws Exception {
        key("conc-key", "\"rate_limit\":{\"concurrency\":1}");
        try (RawSse a = RawSse.open(gw.gateway.proxyPort(), "/v1/chat/completions", secret("conc-key"), STREAM_BODY,
                "x-test-stream-events", "9", "x-test-stream-delay-ms", "50", "x-test-record", "held")) {
            assertEquals(200, a.status());
            a.firstData();
            HttpResponse<String> refused = chat("conc-key", BODY);
            assertRejected(refused, "concurrency limit exceeded (concurrency of the API key)");
            assertEquals("1", header(refused, "retry-after"));
            assertEquals(9, a.drain(), "8 more content events and the finish event");
        }
        assertTrue(awaitCompletion("held").completed());
        assertEquals(200, chat("conc-key", BODY).statusCode(), "released when the stream ended");
        assertEquals(200, chat("conc-key", BODY).statusCode(), "released exactly once per request and reused");
    }

    @Test
    void aCallerThatHangsUpMidStreamReleasesItsSlot() throws Exception {
        key("gone-key", "\"rate_limit\":{\"concurrency\":1}");
        int closes = TestLlmAdapter.CLOSES.get();
        try (RawSse a = RawSse.open(gw.gateway.proxyPort(), "/v1/chat/completions", secret("gone-key"), STREAM_BODY,
                "x-test-stream-events", "400", "x-test-stream-delay-ms", "50", "x-test-record", "gone")) {
            a.firstData();
            assertRejected(chat("gone-key", BODY), "concurrency limit exceeded");
        } // hangs up with 20 s of stream left
        HttpResponse<String> next = eventuallyAdmitted("gone-key", BODY);
        assertEquals(200, next.statusCode(), next.body());
        Completion c = awaitCompletion("gone");
        assertTrue(c.clientDisconnected() && !c.completed(), "onComplete saw the disconnect: " + c);
        assertTrue(TestLlmAdapter.CLOSES.get() > closes, "the upstream stream was closed");
    }

    @Test
    void keyAndModelLimitsAreAnded() {
        fx.put("models", m1, "{\"display_name\":\"m1\",\"provider_key_id\":\""
                + tree(gw.adminCall("GET", "/admin/v1/models/" + m1, null).body()).at("/value/provider_key_id").asText()
                + "\",\"model_name\":\"up\",\"rate_limit\":{\"rpm\":2}}");
        key("and-key", "\"rate_limit\":{\"rpm\":5}");
        key("other-key", "");
        HttpResponse<String> a = chat("and-key", BODY);
        assertEquals("1", header(a, "x-ratelimit-remaining-requests"), "the tighter model limit is reported");
        assertEquals(200, chat("other-key", BODY).statusCode());
        assertRejected(chat("and-key", BODY), "rpm of model 'm1'");
        assertEquals(200, chat("and-key", BODY.replace("m1", "m2")).statusCode(), "m2 has no model limit");
        HttpResponse<String> m2 = chat("and-key", BODY.replace("m1", "m2"));
        assertEquals("2", header(m2, "x-ratelimit-remaining-requests"), "refused requests took none of the key's 5");
    }

    @Test
    void policiesByModelTeamAndKey() {
        fx.create("rate_limit_policies", "{\"name\":\"m1-shared\",\"scope\":\"model\",\"scope_ref\":\"m1\","
                + "\"window\":\"minute\",\"max_requests\":2}");
        fx.create("rate_limit_policies", "{\"name\":\"team-a\",\"scope\":\"team\",\"scope_ref\":\"team-a\","
                + "\"window\":\"hour\",\"max_requests\":1}");
        fx.create("rate_limit_policies", "{\"name\":\"per-key\",\"scope\":\"api_key\",\"window\":\"day\","
                + "\"max_requests\":3}");
        key("a1", "\"team_id\":\"team-a\"");
        key("a2", "\"team_id\":\"team-a\"");
        key("b1", "\"team_id\":\"team-b\"");
        assertEquals(200, chat("a1", BODY.replace("m1", "m2")).statusCode());
        HttpResponse<String> team = chat("a2", BODY.replace("m1", "m2"));
        assertRejected(team, "policy 'team-a' (max_requests per hour)");
        assertEquals("3590", header(team, "retry-after"), "seconds to the end of the hour");
        assertEquals(200, chat("b1", BODY).statusCode());
        assertEquals(200, chat("b1", BODY).statusCode());
        assertRejected(chat("b1", BODY), "policy 'm1-shared' (max_requests per minute)");
        assertEquals(200, chat("b1", BODY.replace("m1", "m2")).statusCode());
        assertRejected(chat("b1", BODY.replace("m1", "m2")), "policy 'per-key' (max_requests per day)");
    }

    @Test
    void aScheduleSuspendsAPolicyAndLeavingItResumesTheSameBucket() {
        // 09:00-10:00 in Shanghai (UTC+8) on Thursdays: 01:00-02:00 UTC on 2026-01-01, a Thursday
        fx.create("rate_limit_policies", """
                {"name":"office-hours-free","scope":"api_key","window":"day","max_requests":2,
                 "schedules":[{"days_of_week":["thu"],"start_time":"09:00","end_time":"10:00","timezone":"Asia/Shanghai"}]}""");
        key("s1", "");
        key("s2", "");
        assertEquals(200, chat("s1", BODY).statusCode());
        assertEquals(200, chat("s1", BODY).statusCode());
        assertRejected(chat("s1", BODY), "policy 'office-hours-free' (max_requests per day)");

        clock.advance(Duration.ofHours(1)); // 01:00:10 UTC, inside the window: suspended
        for (int i = 0; i < 3; i++) {
            assertEquals(200, chat("s1", BODY).statusCode(), "suspended");
            assertEquals(200, chat("s2", BODY).statusCode(), "suspended, and not counted");
        }

        clock.advance(Duration.ofHours(1)); // 02:00:10 UTC: enforced again, same day, same bucket
        assertRejected(chat("s1", BODY), "policy 'office-hours-free' (max_requests per day)");
        assertEquals(200, chat("s2", BODY).statusCode());
        assertEquals(200, chat("s2", BODY).statusCode());
        assertRejected(chat("s2", BODY), "policy 'office-hours-free' (max_requests per day)");
    }

    @Test
    void aGuardrailBlockedRequestCostsNoSlot() {
        key("guarded", "\"rate_limit\":{\"rpm\":1}");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> blocked = chat("guarded", BODY, "x-test-block-input", "1");
            assertEquals(422, blocked.statusCode());
            assertFalse(blocked.headers().firstValue("x-ratelimit-remaining-requests").isPresent());
        }
        assertEquals(200, chat("guarded", BODY).statusCode());
        assertRejected(chat("guarded", BODY), "rpm");
    }

    @Test
    void retriesAndFailuresCountOnce() {
        key("retry-key", "\"rate_limit\":{\"rpm\":2}");
        HttpResponse<String> failed = chat("retry-key", BODY, "x-test-fail", "503");
        assertEquals(502, failed.statusCode());
        assertEquals(3, TestLlmAdapter.CALLS.get(), "one try and two retries");
        assertEquals("1", header(failed, "x-ratelimit-remaining-requests"), "headers on error answers too");
        assertEquals(200, chat("retry-key", BODY).statusCode());
        assertRejected(chat("retry-key", BODY), "rpm");
    }
}
