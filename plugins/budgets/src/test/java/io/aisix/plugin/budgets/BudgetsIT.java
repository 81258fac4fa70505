package io.aisix.plugin.budgets;

import static io.aisix.kernel.testsupport.GatewayFixture.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.CompletionRecorder;
import io.aisix.testkit.TestLlmAdapter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets through a real gateway on process-local counters ({@code budgets.backend: memory}). The
 * gateway clock starts ten seconds into 2026 and only moves when a test moves it. Model {@code p}
 * costs 1 USD per 1000 input and 1000 output tokens, so the test adapter's default usage (3 + 5
 * tokens) costs $0.008.
 */
@Timeout(60)
class BudgetsIT {
    static final String BODY = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String STREAM = "{\"model\":\"%s\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:10Z"));
    TestGateway gw;
    GatewayFixture fx;

    @BeforeEach
    void start() throws Exception {
        boot();
        String pk = fx.create("provider_keys", "{\"display_name\":\"pk\",\"provider\":\"test-llm\",\"api_key\":\"sk-up-1234567\"}");
        fx.create("models", "{\"display_name\":\"p\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"up-p\","
                + "\"cost\":{\"input_per_1k\":1,\"output_per_1k\":1}}");
        fx.create("models", "{\"display_name\":\"free\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"up-f\"}");
        fx.create("api_keys", "{\"display_name\":\"alice\",\"key\":\"alice-secret-1\",\"team_id\":\"red\"}");
        fx.create("api_keys", "{\"display_name\":\"bob\",\"key\":\"bob-secret-12\",\"team_id\":\"blue\"}");
        TestLlmAdapter.CALLS.set(0);
    }

    void boot() throws Exception {
        gw = TestGateway.start(dir, "budgets: { backend: memory, reservation_wait_ms: 200 }\n", null, clock);
        fx = new GatewayFixture(gw);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    static HttpResponse<String> settled(Supplier<HttpResponse<String>> call) {
        long done = CompletionRecorder.done();
        HttpResponse<String> r = call.get();
        CompletionRecorder.await(done + 1);
        return r;
    }

    HttpResponse<String> chat(String key, String model, String... headers) {
        return settled(() -> fx.chat(key, BODY.formatted(model), headers));
    }

    double metric(String name, String... labels) {
        String text = gw.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.admin("/metrics")))).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(text);
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

    @Test
    void aHardBudgetRefusesOnceSpentWithTheResetTime() {
        fx.create("budgets", "{\"name\":\"all\",\"max_usd\":0.02}");
        assertEquals(200, chat("alice-secret-1", "p").statusCode()); // 0.008
        assertEquals(200, chat("bob-secret-12", "p").statusCode()); // 0.016
        assertEquals(200, chat("alice-secret-1", "p").statusCode(), "under the cap when admitted"); // 0.024
        HttpResponse<String> refused = chat("alice-secret-1", "p");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("budget_exceeded", tree(refused.body()).at("/error/code").asText());
        String message = tree(refused.body()).at("/error/message").asText();
        assertEquals("budget 'all' exceeded: spent $0.02 of $0.02 this month; resets at 2026-02-01T00:00:00Z",
                message.replace("$0.024000", "$0.02").replace("0.020000", "0.02"), message);
        assertEquals("2026-02-01T00:00:00Z", refused.headers().firstValue("x-aisix-budget-reset").orElseThrow());
        assertEquals(Long.toString(31 * 86400 - 10), refused.headers().firstValue("retry-after").orElseThrow());
        assertEquals(3, TestLlmAdapter.CALLS.get(), "a refused request never reaches the upstream");
        assertEquals(1, metric("aisix_budget_rejections_total", "budget", "all", "reason", "exceeded"));
        assertEquals(0.024, metric("aisix_budget_spend_usd", "budget", "all", "subject", "*"), 1e-9);
        // the Anthropic envelope on /v1/messages
        HttpResponse<String> anthropic = settled(() -> fx.post("/v1/messages", "alice-secret-1",
                "{\"model\":\"p\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertEquals(429, anthropic.statusCode(), anthropic.body());
        assertEquals("rate_limit_error", tree(anthropic.body()).at("/error/type").asText(), anthropic.body());

        clock.advance(Duration.ofDays(31));
        assertEquals(200, chat("alice-secret-1", "p").statusCode(), "a new month starts from zero");
    }

    @Test
    void budgetsPerKeyTeamAndModelApplyToTheirSubjectsOnly() {
        fx.create("budgets", "{\"name\":\"each-key\",\"max_usd\":0.01,\"scope\":\"api_key\"}");
        fx.create("budgets", "{\"name\":\"blue-team\",\"max_usd\":0.001,\"scope\":\"team\",\"scope_ref\":\"blue\","
                + "\"period\":\"day\",\"timezone\":\"Asia/Tokyo\"}");
        fx.create("budgets", "{\"name\":\"free-model\",\"max_usd\":0.001,\"scope\":\"model\",\"scope_ref\":\"free\"}");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, chat("alice-secret-1", "free").statusCode(), "an unpriced model costs nothing");
        }
        assertEquals(200, chat("alice-secret-1", "p").statusCode());
        assertEquals(200, chat("alice-secret-1", "p").statusCode());
        assertEquals(429, chat("alice-secret-1", "p").statusCode(), "alice spent her own $0.01");
        assertEquals(200, chat("bob-secret-12", "p").statusCode(), "bob has a counter of his own");
        HttpResponse<String> team = chat("bob-secret-12", "p");
        assertEquals(429, team.statusCode(), "team blue spent its $0.001");
        assertTrue(team.body().contains("budget 'blue-team' exceeded") && team.body().contains("this day"), team.body());
        // 09:00 Tokyo is midnight UTC: the day ends at 15:00 UTC
        assertEquals("2026-01-01T15:00:00Z", team.headers().firstValue("x-aisix-budget-reset").orElseThrow());
    }

    @Test
    void warnBudgetsAlertAt50And80And100PercentAndNeverRefuse() {
        fx.create("budgets", "{\"name\":\"watch\",\"max_usd\":0.02,\"mode\":\"warn\"}");
        for (int i = 0; i < 4; i++) { // 0.008, 0.016, 0.024, 0.032
            assertEquals(200, chat("alice-secret-1", "p").statusCode());
        }
        assertEquals(1, metric("aisix_budget_threshold_crossings_total", "budget", "watch", "threshold", "50"));
        assertEquals(1, metric("aisix_budget_threshold_crossings_total", "budget", "watch", "threshold", "80"));
        assertEquals(1, metric("aisix_budget_threshold_crossings_total", "budget", "watch", "threshold", "100"));
        assertEquals(0.032, metric("aisix_budget_spend_usd", "budget", "watch"), 1e-9);
    }

    @Test
    void streamsAreChargedAtTheirEndAndFailedRequestsCostNothing() {
        fx.create("budgets", "{\"name\":\"all\",\"max_usd\":0.02,\"mode\":\"warn\"}");
        HttpResponse<String> s = settled(() -> fx.chat("alice-secret-1", STREAM.formatted("p"), "x-test-usage", "10,20"));
        assertTrue(s.body().endsWith("data: [DONE]\n\n"), s.body());
        assertEquals(0.03, metric("aisix_budget_spend_usd", "budget", "all"), 1e-9);
        assertEquals(502, chat("alice-secret-1", "p", "x-test-fail", "500").statusCode());
        assertEquals(0.03, metric("aisix_budget_spend_usd", "budget", "all"), 1e-9, "a failed request reported no usage");
    }

    @Test
    void spendSurvivesARestart() throws Exception {
        fx.create("budgets", "{\"name\":\"all\",\"max_usd\":0.01}");
        assertEquals(200, chat("alice-secret-1", "p").statusCode());
        assertEquals(200, chat("alice-secret-1", "p").statusCode());
        assertEquals(429, chat("alice-secret-1", "p").statusCode());
        gw.close();
        gw = null;
        assertTrue(Files.readString(dir.resolve("data/budgets.json")).contains("16000000"));
        boot();
        HttpResponse<String> r = chat("alice-secret-1", "p");
        assertEquals(429, r.statusCode(), "the spend was kept in the data dir: " + r.body());
    }

    @Test
    void theAdminApiValidatesAndDeletingABudgetLiftsIt() {
        HttpResponse<String> bad = gw.adminCall("POST", "/admin/v1/budgets", "{\"name\":\"x\",\"max_usd\":0,\"period\":\"year\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("/max_usd") && bad.body().contains("/period"), bad.body());
        String id = fx.create("budgets", "{\"name\":\"tiny\",\"max_usd\":0.000001}");
        assertEquals(200, chat("alice-secret-1", "p").statusCode());
        assertEquals(429, chat("alice-secret-1", "p").statusCode());
        HttpResponse<String> dup = gw.adminCall("POST", "/admin/v1/budgets", "{\"name\":\"tiny\",\"max_usd\":1}");
        assertEquals(409, dup.statusCode(), dup.body());
        HttpResponse<String> del = gw.adminCall("DELETE", "/admin/v1/budgets/" + id, null);
        assertEquals(200, del.statusCode(), del.body());
        fx.awaitRevision(tree(del.body()).path("revision").asLong(0));
        GatewayFixture.sleep(50);
        assertEquals(200, chat("alice-secret-1", "p").statusCode());
    }
}
