package io.aisix.plugin.budgets;

import static io.aisix.kernel.testsupport.GatewayFixture.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.CompletionRecorder;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets on a real redis-server through a gateway: spend lands in Redis, and a Redis outage fails
 * open (this instance's counters, continuing from the shared total it saw) or closed (503) as
 * {@code budgets.on_redis_error} says.
 */
@Timeout(60)
class RedisBudgetsIT {
    static final String BODY = "{\"model\":\"p\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    @TempDir
    Path dir;
    RedisServer redis;
    TestGateway gw;
    GatewayFixture fx;

    void start(String onError) throws Exception {
        redis = RedisServer.start();
        gw = TestGateway.start(dir, "budgets: { backend: redis, redis: { url: \"" + redis.url()
                + "\" }, on_redis_error: " + onError + " }\n", null);
        fx = new GatewayFixture(gw);
        String pk = fx.create("provider_keys", "{\"display_name\":\"pk\",\"provider\":\"test-llm\",\"api_key\":\"sk-up-1234567\"}");
        fx.create("models", "{\"display_name\":\"p\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"up-p\","
                + "\"cost\":{\"input_per_1k\":1,\"output_per_1k\":1}}");
        fx.create("api_keys", "{\"display_name\":\"alice\",\"key\":\"alice-secret-1\"}");
        fx.create("budgets", "{\"name\":\"all\",\"max_usd\":0.02}");
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    HttpResponse<String> chat() {
        long done = CompletionRecorder.done();
        HttpResponse<String> r = fx.chat("alice-secret-1", BODY);
        CompletionRecorder.await(done + 1);
        return r;
    }

    @Test
    void spendIsKeptInRedisAndAnOutageFailsOpenFromTheLastSharedTotal() throws Exception {
        start("open");
        assertEquals(200, chat().statusCode());
        assertEquals(200, chat().statusCode());
        @SuppressWarnings("unchecked")
        List<String> keys = (List<String>) redis.command("KEYS", "aisix:budget:*:s");
        assertEquals(1, keys.size(), keys.toString());
        assertEquals("16000000", redis.command("GET", keys.get(0)), "two requests of $0.008 in nano-USD");
        redis.kill();
        assertEquals(200, chat().statusCode(), "open: admitted against this instance's counters ($0.016 < $0.02)");
        HttpResponse<String> refused = chat();
        assertEquals(429, refused.statusCode(), "the local counters continue from the shared $0.016: " + refused.body());
        assertEquals("budget_exceeded", tree(refused.body()).at("/error/code").asText());
        HttpResponse<String> health = gw.adminCall("GET", "/admin/v1/health", null);
        assertTrue(health.body().contains("redis (budgets)"), health.body());
    }

    @Test
    void closedRefusesRequestsUnderHardBudgetsWhileRedisIsDown() throws Exception {
        start("closed");
        assertEquals(200, chat().statusCode());
        redis.kill();
        HttpResponse<String> r = chat();
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("service_unavailable", tree(r.body()).at("/error/code").asText());
        assertTrue(tree(r.body()).at("/error/message").asText().contains("budget 'all' cannot be checked"), r.body());
        redis.restart();
        long deadline = System.nanoTime() + 15_000_000_000L;
        int status = 0;
        while (System.nanoTime() < deadline && (status = chat().statusCode()) != 200) {
            GatewayFixture.sleep(100);
        }
        assertEquals(200, status, "served again once Redis is back");
    }
}
