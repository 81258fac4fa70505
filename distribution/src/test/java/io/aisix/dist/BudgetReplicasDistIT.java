package io.aisix.dist;

import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hard budget shared by two gateway processes from the tarball (one etcd, one Redis,
 * {@code budgets.backend: redis}) under concurrent load (issue 26): every request costs $1 at the
 * model's prices, the cap is $20, and sixteen clients (eight per replica) send until refused. The
 * replicas together admit at least the 20 requests the cap pays for and at most one more per
 * replica (the request each may run into the last part of the budget), refusals are 429
 * {@code budget_exceeded} with the reset time, spend shows in the access log, the metrics and the
 * console's {@code /admin/v1/stats} and {@code /admin/v1/spend}, and a restarted replica still
 * refuses (the spend lives in Redis).
 */
@Timeout(180)
class BudgetReplicasDistIT {
    static final String CALLER = "sk-dist-budget-0123456789";
    static final String CHAT = "{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final int CAP_USD = 20;
    static final int CLIENTS_PER_REPLICA = 8;

    @TempDir
    static Path dir;
    static Replicas replicas;
    static RedisServer redis;
    static MockUpstream mock;
    static InstalledGateway a;
    static InstalledGateway b;

    @BeforeAll
    static void start() {
        replicas = Replicas.start(dir, """
                budgets: { backend: redis, redis: { url: "%1$s" }, reservation_wait_ms: 300 }
                """);
        redis = replicas.redis;
        mock = replicas.mock;
        a = replicas.a;
        b = replicas.b;
        // 500 + 500 tokens at $1 per 1k each way: $1 per request; the delay keeps requests in flight together
        mock.defaultScript(Script.reply("ok").usage(500, 500).firstByteDelay(Duration.ofMillis(40)));
        // the budget first: a replica that serves the model (a later revision) has it too
        assertEquals(201, a.admin("POST", "/admin/v1/budgets", "{\"name\":\"shared\",\"max_usd\":" + CAP_USD
                + ",\"period\":\"day\"}").statusCode());
        String pk = replicas.openAiKey("sk-up-budget-123456");
        assertEquals(201, a.admin("POST", "/admin/v1/models", "{\"display_name\":\"priced\",\"provider_key_id\":\""
                + pk + "\",\"model_name\":\"gpt-4o\",\"cost\":{\"input_per_1k\":1,\"output_per_1k\":1}}").statusCode());
        assertEquals(201, a.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER + "\"}")
                .statusCode());
        replicas.awaitServed(CALLER, "priced");
    }

    @AfterAll
    static void stop() {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void aHardBudgetHoldsAcrossTwoReplicasUnderConcurrentLoad() throws Exception {
        AtomicInteger admitted = new AtomicInteger();
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<HttpResponse<String>> refusals = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        CountDownLatch done = new CountDownLatch(2 * CLIENTS_PER_REPLICA);
        for (int i = 0; i < 2 * CLIENTS_PER_REPLICA; i++) {
            InstalledGateway gw = i % 2 == 0 ? a : b;
            Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT);
                        if (r.statusCode() == 200) {
                            admitted.incrementAndGet();
                        } else if (r.statusCode() == 429 && r.body().contains("exceeded")) {
                            refusals.add(r);
                            return; // the cap is spent
                        } else if (r.statusCode() != 429) {
                            unexpected.add(r.statusCode() + " " + r.body());
                            return;
                        }
                        // a 429 because the rest is held by requests in flight: try again
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(90, TimeUnit.SECONDS), "the load ended");
        assertEquals(List.of(), new ArrayList<>(unexpected));
        int ok = admitted.get();
        System.out.println("BudgetReplicasDistIT: admitted " + ok + " requests of $1 under a $" + CAP_USD
                + " cap on two replicas, " + refusals.size() + " clients refused");
        assertTrue(ok >= CAP_USD, "the replicas admit what the cap pays for: " + ok);
        assertTrue(ok <= CAP_USD + 2, "at most one request per replica beyond the cap: " + ok);
        assertEquals(ok, mock.requestCount(), "refused requests never reach the upstream");
        // charged by the completion callback, just after the caller got the last byte
        long settleBy = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (Long.parseLong(spentInRedis()) != ok * 1_000_000_000L && System.nanoTime() < settleBy) {
            Thread.sleep(20);
        }
        assertEquals(ok * 1_000_000_000L, Long.parseLong(spentInRedis()), "every admitted request charged $1 "
                + "in Redis; backend errors: " + backendErrors(a) + " / " + backendErrors(b));

        HttpResponse<String> refused = refusals.peek();
        assertEquals("budget_exceeded", read(refused).at("/error/code").asText(), refused.body());
        String reset = LocalDate.now(ZoneOffset.UTC).plusDays(1) + "T00:00:00Z";
        assertEquals(reset, refused.headers().firstValue("x-aisix-budget-reset").orElse(""), refused.body());
        assertTrue(read(refused).at("/error/message").asText().contains("resets at " + reset), refused.body());
        assertTrue(refused.headers().firstValue("retry-after").isPresent());

        // both replicas price every answer in their access log and metrics
        for (InstalledGateway gw : List.of(a, b)) {
            eventually("priced access-log lines", Duration.ofSeconds(5), () -> gw.stderr().contains("\"cost_usd\":1}")
                    || gw.stderr().contains("\"cost_usd\":1,"));
            String metrics = gw.get("admin", "/metrics").body();
            assertTrue(metrics.contains("aisix_cost_usd_total{"), metrics);
            assertTrue(metrics.contains("aisix_budget_rejections_total{"), metrics);
        }

        // the console's documents: each replica's stats price what it answered ($1 each, $ok together),
        // and the replica that charged last sees the whole shared counter
        double costs = 0;
        double seen = 0;
        for (InstalledGateway gw : List.of(a, b)) {
            var stats = read(gw.admin("GET", "/admin/v1/stats?by=model", null));
            for (var series : stats.get("series")) {
                if (series.get("name").asText().equals("priced")) {
                    costs += series.at("/totals/cost_usd").asDouble();
                }
            }
            var spend = read(gw.admin("GET", "/admin/v1/spend?budget=shared", null));
            assertTrue(spend.get("available").asBoolean(), spend.toString());
            assertEquals("*", spend.at("/counters/0/subject").asText(), spend.toString());
            seen = Math.max(seen, spend.at("/counters/0/spent_usd").asDouble());
        }
        assertEquals(ok, costs, 1e-9, "GET /admin/v1/stats on both replicas");
        assertEquals(ok, seen, 1e-9, "GET /admin/v1/spend on the replica that charged last");

        // the spend lives in Redis: a restarted replica still refuses
        a = replicas.restartA(dir.resolve("a2"));
        eventually("the restarted replica serves the model", Duration.ofSeconds(10), () ->
                a.proxy("GET", "/v1/models", CALLER, null).body().contains("\"priced\""));
        HttpResponse<String> after = a.proxy("POST", "/v1/chat/completions", CALLER, CHAT);
        assertEquals(429, after.statusCode(), after.body());
        assertEquals("budget_exceeded", read(after).at("/error/code").asText());
        a.assertNoJdkWarnings();
        b.assertNoJdkWarnings();
    }

    private static List<String> backendErrors(InstalledGateway gw) {
        return gw.get("admin", "/metrics").body().lines().filter(l -> l.startsWith("aisix_budget_backend_errors"))
                .toList();
    }

    private static String spentInRedis() {
        @SuppressWarnings("unchecked")
        List<String> keys = (List<String>) redis.command("KEYS", "aisix:budget:*:s");
        assertEquals(1, keys.size(), keys.toString());
        return (String) redis.command("GET", keys.get(0));
    }
}
