package io.aisix.dist;

import static io.aisix.dist.EtcdPlainDistIT.CHAT;
import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
 * A Redis outage at run time, from the tarball: two gateways keep their response cache, rate-limit
 * counters and budgets in one real redis-server, which is killed and restarted on its port.
 * {@code steady} has the defaults, {@code strict} sets {@code plugins.redis.ready_while_disconnected:
 * false}. During the outage both serve chat requests (cache misses, not failures; the rate limit
 * falls back to each instance's own counters and still answers 429 over its rpm; budgets fail open);
 * {@code steady} stays ready with {@code /admin/v1/health} degraded, {@code strict} answers
 * {@code /readyz} 503 naming Redis; once Redis is back {@code strict} is ready again and answers are
 * cached again.
 */
@Timeout(180)
class RedisOutageDistIT {
    static final String CALLER = "sk-dist-outage-0123456789";
    static final String LIMITED = "sk-dist-outage-limited-0123456789";
    static final int RPM = 3;
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static RedisServer redis;
    static MockUpstream mock;
    static InstalledGateway steady;
    static InstalledGateway strict;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        mock = MockUpstream.start();
        String yaml = """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                cache: { backend: redis, redis: { url: "%s" } }
                ratelimit: { backend: redis, redis: { url: "%s" } }
                plugins:
                  budgets: { backend: redis, redis: { url: "%s" } }
                """.formatted(redis.url(), redis.url(), redis.url());
        steady = InstalledGateway.start(dir.resolve("steady"), yaml);
        strict = InstalledGateway.start(dir.resolve("strict"), yaml + "  redis: { ready_while_disconnected: false }\n");
        for (InstalledGateway gw : List.of(steady, strict)) {
            gw.serveOpenAiModel("m", mock.openAiBase(), CALLER);
            for (HttpResponse<String> r : List.of(
                    gw.admin("POST", "/admin/v1/cache_policies", "{\"name\":\"shared\",\"backend\":\"redis\","
                            + "\"scope\":\"shared\",\"ttl_seconds\":300,\"applies_to\":\"model:m\"}"),
                    gw.admin("POST", "/admin/v1/budgets", "{\"name\":\"m-cap\",\"max_usd\":100,\"period\":\"day\","
                            + "\"scope\":\"model\",\"scope_ref\":\"m\"}"),
                    gw.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"limited\",\"key\":\"" + LIMITED
                            + "\",\"rate_limit\":{\"rpm\":" + RPM + "}}"))) {
                assertEquals(201, r.statusCode(), r.request().uri() + ": " + r.body());
            }
            eventually("the limited key is served", Duration.ofSeconds(10),
                    () -> gw.proxy("GET", "/v1/models", LIMITED, null).statusCode() == 200);
        }
    }

    @AfterAll
    static void stop() {
        InstalledGateway.closeAll(steady, strict, mock, redis);
    }

    @Test
    void chatIsServedThroughARedisOutageAndOnlyTheStrictGatewayLeavesRotation() {
        mock.defaultScript(Script.reply("from upstream"));
        for (InstalledGateway gw : List.of(steady, strict)) {
            assertEquals(200, gw.get("proxy", "/readyz").statusCode());
        }
        assertCached(steady, "before the outage");
        assertEquals(List.of(true, true, true), redisUp(steady), health(steady).toString());

        redis.kill();
        eventually("steady's /admin/v1/health says degraded, its three Redis users down", WAIT,
                () -> health(steady).path("status").asText().equals("degraded") && redisUp(steady).equals(List.of(
                        false, false, false)));
        eventually("strict's /readyz answers 503", WAIT, () -> strict.get("proxy", "/readyz").statusCode() == 503);
        HttpResponse<String> notReady = strict.get("proxy", "/readyz");
        assertTrue(notReady.body().startsWith("not ready: redis (cache) at 127.0.0.1:" + redis.port() + " down since "),
                notReady.statusCode() + " " + notReady.body());
        assertEquals(200, strict.get("proxy", "/livez").statusCode(), "liveness never depends on Redis");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ready = steady.get("proxy", "/readyz");
            assertEquals(200, ready.statusCode(), "steady stays in rotation: " + ready.body());
        }

        awayFromTheMinutesEnd(); // the limited key's requests below share one rpm window
        for (InstalledGateway gw : List.of(steady, strict)) {
            int before = mock.requestCount();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("m"));
                assertEquals(200, r.statusCode(), "a cache miss, not a failure: " + r.body());
                assertEquals("miss", r.headers().firstValue("x-aisix-cache").orElse(""), r.headers().toString());
                assertEquals("from upstream", read(r).at("/choices/0/message/content").asText());
            }
            assertEquals(before + 2, mock.requestCount(), "each request of the outage went upstream");
            for (int i = 0; i < RPM; i++) {
                HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", LIMITED, CHAT.formatted("m"));
                assertEquals(200, r.statusCode(), "request " + (i + 1) + " within the rpm: " + r.body());
            }
            HttpResponse<String> over = gw.proxy("POST", "/v1/chat/completions", LIMITED, CHAT.formatted("m"));
            assertEquals(429, over.statusCode(), "the instance's own counters still enforce the rpm: " + over.body());
            assertEquals("rate_limit_exceeded", read(over).at("/error/code").asText(), over.body());
        }

        redis.restart(); // same port, empty
        eventually("strict's /readyz answers 200 once Redis is back", WAIT,
                () -> strict.get("proxy", "/readyz").statusCode() == 200);
        assertEquals("ok", strict.get("proxy", "/readyz").body());
        eventually("steady's /admin/v1/health is ok again", WAIT,
                () -> health(steady).path("status").asText().equals("ok"));
        assertCached(strict, "after the outage");
        steady.assertNoJdkWarnings();
        strict.assertNoJdkWarnings();
    }

    /** A miss that reaches Redis, then a hit from it without an upstream call. */
    private static void assertCached(InstalledGateway gw, String when) {
        String prompt = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + when + "\"}]}";
        eventually("an answer is written to Redis and served from it " + when, WAIT, () -> {
            gw.proxy("POST", "/v1/chat/completions", CALLER, prompt);
            int before = mock.requestCount();
            HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER, prompt);
            return r.statusCode() == 200 && r.headers().firstValue("x-aisix-cache").orElse("").equals("hit")
                    && mock.requestCount() == before;
        });
    }

    /** {@code up} of the Redis users in /admin/v1/health (cache, rate limits, budgets), in order. */
    private static List<Boolean> redisUp(InstalledGateway gw) {
        List<Boolean> up = new java.util.ArrayList<>();
        for (JsonNode d : health(gw).path("dependencies")) {
            if (d.path("name").asText().startsWith("redis (")) {
                up.add(d.path("up").asBoolean());
            }
        }
        return up;
    }

    private static JsonNode health(InstalledGateway gw) {
        return read(gw.admin("GET", "/admin/v1/health", null));
    }

    /** Waits past the minute's end when less than 15 s of it are left (rpm windows follow the clock). */
    private static void awayFromTheMinutesEnd() {
        long secondOfMinute = Instant.now().getEpochSecond() % 60;
        if (secondOfMinute > 45) {
            LocalProcesses.sleep((60 - secondOfMinute) * 1000 + 100);
        }
    }
}
