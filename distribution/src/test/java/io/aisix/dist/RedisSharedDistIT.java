package io.aisix.dist;

import static io.aisix.dist.EtcdPlainDistIT.CHAT;
import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.LocalProcesses;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes from the tarball on one etcd and one Redis ({@code cache.backend: redis},
 * {@code ratelimit.backend: redis}, {@code budgets.backend: redis}, all the same URL), as two
 * replicas behind a load balancer: an answer cached through one is served by the other without an
 * upstream call, one rpm budget covers both, spend adds up in one counter, and each replica holds
 * one Redis connection for all three (the {@code redis} plugin's shared connection).
 */
@Timeout(120)
class RedisSharedDistIT {
    static final String CALLER = "sk-dist-shared-0123456789";
    static final String LIMITED = "sk-dist-limited-0123456789";
    static final int RPM = 4;

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
                cache: { backend: redis, redis: { url: "%1$s" } }
                ratelimit: { backend: redis, redis: { url: "%1$s" } }
                budgets: { backend: redis, redis: { url: "%1$s" } }
                """);
        redis = replicas.redis;
        mock = replicas.mock;
        a = replicas.a;
        b = replicas.b;
        String pk = replicas.openAiKey("sk-up-shared-123456");
        for (String alias : List.of("cached", "plain")) {
            assertEquals(201, a.admin("POST", "/admin/v1/models", "{\"display_name\":\"" + alias + "\",\"provider_key_id\":\""
                    + pk + "\",\"model_name\":\"gpt-4o\"}").statusCode());
        }
        // $1 per request of 500 + 500 tokens, counted by a budget on this model only
        assertEquals(201, a.admin("POST", "/admin/v1/models", "{\"display_name\":\"priced\",\"provider_key_id\":\""
                + pk + "\",\"model_name\":\"gpt-4o\",\"cost\":{\"input_per_1k\":1,\"output_per_1k\":1}}").statusCode());
        assertEquals(201, a.admin("POST", "/admin/v1/budgets", "{\"name\":\"priced-cap\",\"max_usd\":100,"
                + "\"period\":\"day\",\"scope\":\"model\",\"scope_ref\":\"priced\"}").statusCode());
        assertEquals(201, a.admin("POST", "/admin/v1/cache_policies", "{\"name\":\"shared\",\"backend\":\"redis\","
                + "\"scope\":\"shared\",\"ttl_seconds\":300,\"applies_to\":\"model:cached\"}").statusCode());
        assertEquals(201, a.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER + "\"}")
                .statusCode());
        assertEquals(201, a.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"limited\",\"key\":\"" + LIMITED
                + "\",\"rate_limit\":{\"rpm\":" + RPM + "}}").statusCode());
        for (String key : List.of(CALLER, LIMITED)) {
            replicas.awaitServed(key, "cached", "plain", "priced");
        }
    }

    @AfterAll
    static void stop() {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void anAnswerCachedThroughOneGatewayIsServedByTheOther() {
        mock.reset();
        mock.defaultScript(Script.reply("cached once"));
        HttpResponse<String> first = a.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("cached"));
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("miss", first.headers().firstValue("x-aisix-cache").orElse(""));
        eventually("the answer reached Redis", Duration.ofSeconds(5),
                () -> !((List<?>) redis.command("KEYS", "aisix:cache:*")).isEmpty());

        HttpResponse<String> second = b.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("cached"));
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("hit", second.headers().firstValue("x-aisix-cache").orElse(""), "served by the other gateway from Redis");
        assertEquals("cached once", read(second).at("/choices/0/message/content").asText());
        assertEquals(1, mock.requestCount(), "the upstream answered once for both gateways");
        a.assertNoJdkWarnings();
        b.assertNoJdkWarnings();
    }

    /**
     * Spend charged through either replica lands in one counter, and every replica keeps exactly one
     * Redis connection for the cache, the rate limiter and the budgets: two in all (each replica
     * needs at least one to serve these features, so two means one each).
     */
    @Test
    void spendAddsUpAcrossReplicasOnOneConnectionPerReplica() {
        mock.defaultScript(Script.reply("priced").usage(500, 500));
        for (InstalledGateway gw : List.of(a, b)) {
            HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("priced"));
            assertEquals(200, r.statusCode(), r.body());
        }
        eventually("both charges reached the shared counter", Duration.ofSeconds(10), () -> {
            List<?> keys = (List<?>) redis.command("KEYS", "aisix:budget:*:s");
            return keys.size() == 1 && "2000000000".equals(redis.command("GET", (String) keys.get(0)));
        });
        eventually("one connection per replica", Duration.ofSeconds(10), () -> redisClients() == 2);
        LocalProcesses.sleep(500);
        assertEquals(2, redisClients(), "still one per replica: " + redis.command("CLIENT", "LIST"));
    }

    /** The clients connected to Redis, apart from the one asking. */
    static long redisClients() {
        return ((String) redis.command("CLIENT", "LIST")).lines()
                .filter(l -> !l.isBlank() && !l.contains("cmd=client|list")).count();
    }

    @Test
    void oneRpmBudgetCoversBothGateways() {
        // all requests in one minute window (counters are per minute of the gateways' clocks)
        long secondOfMinute = Instant.now().getEpochSecond() % 60;
        if (secondOfMinute > 50) {
            LocalProcesses.sleep((60 - secondOfMinute) * 1000 + 100);
        }
        mock.defaultScript(Script.reply("ok"));
        for (int i = 0; i < RPM; i++) {
            InstalledGateway gw = i % 2 == 0 ? a : b;
            HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", LIMITED, CHAT.formatted("plain"));
            assertEquals(200, r.statusCode(), "request " + (i + 1) + ": " + r.body());
        }
        for (InstalledGateway gw : List.of(a, b)) {
            HttpResponse<String> over = gw.proxy("POST", "/v1/chat/completions", LIMITED, CHAT.formatted("plain"));
            assertEquals(429, over.statusCode(), over.body());
            assertEquals("rate_limit_exceeded", read(over).at("/error/code").asText(), over.body());
            assertTrue(over.headers().firstValue("retry-after").isPresent());
        }
    }
}
