package io.aisix.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.kernel.testsupport.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /readyz} through a Redis outage (a real redis-server, killed and restarted on its port),
 * with the redis cache backend as the Redis user: by default the outage degrades
 * {@code /admin/v1/health} and the instance stays ready (AISIX's behaviour); with
 * {@code plugins.redis.ready_while_disconnected: false} it answers 503 with the dependency's reason
 * until Redis is back. The key is bound strictly.
 */
@Timeout(120)
class RedisReadinessIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static RedisServer redis;

    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (!redis.running()) {
            redis.restart();
        }
    }

    private void start(String extraYaml) throws Exception {
        gw = TestGateway.start(dir, "plugins:\n  cache-redis: { url: \"" + redis.url() + "\" }\n" + extraYaml, null);
        await("ready once the configuration is applied", () -> readyz().statusCode() == 200, this::readyz);
    }

    private HttpResponse<String> readyz() {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz"))));
    }

    private JsonNode health() {
        return GatewayFixture.tree(gw.adminCall("GET", "/admin/v1/health", null).body());
    }

    private static void await(String what, BooleanSupplier done, Supplier<Object> state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + WAIT + "; last: " + state.get());
            }
            GatewayFixture.sleep(50);
        }
    }

    private static String describe(HttpResponse<String> r) {
        return r.statusCode() + " " + r.body();
    }

    @Test
    void byDefaultAnOutageDegradesHealthButTheInstanceStaysReady() throws Exception {
        start("");
        assertTrue(health().path("dependencies").get(0).path("up").asBoolean(), health().toString());
        redis.kill();
        await("the outage shows in /admin/v1/health", () -> health().path("status").asText().equals("degraded")
                && !health().path("dependencies").get(0).path("up").asBoolean(true), this::health);
        JsonNode dep = health().path("dependencies").get(0);
        assertEquals("redis (cache)", dep.path("name").asText(), dep.toString());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = readyz();
            assertEquals(200, r.statusCode(), describe(r));
            assertEquals("ok", r.body());
        }
    }

    @Test
    void notReadyWhileDisconnectedTurnsReadyzTo503UntilRedisIsBack() throws Exception {
        start("  redis: { ready_while_disconnected: false }\n");
        redis.kill();
        await("/readyz answers 503 during the outage", () -> readyz().statusCode() == 503, this::readyz);
        HttpResponse<String> r = readyz();
        String prefix = "not ready: redis (cache) at 127.0.0.1:" + redis.port() + " down since ";
        assertTrue(r.body().startsWith(prefix), describe(r));
        assertTrue(r.body().length() > r.body().indexOf(": ", prefix.length()) + 2, "names the error: " + r.body());
        assertEquals("degraded", health().path("status").asText());
        HttpResponse<String> live = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/livez"))));
        assertEquals(200, live.statusCode(), "liveness never depends on Redis: " + describe(live));

        redis.restart(); // same port, empty
        await("/readyz answers 200 once Redis is back", () -> readyz().statusCode() == 200, this::readyz);
        assertEquals("ok", readyz().body());
        await("health is ok again", () -> health().path("status").asText().equals("ok"), this::health);
    }

    @Test
    void theSettingIsBoundStrictly() {
        ConfigException wrongType = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "plugins: { redis: { ready_while_disconnected: sometimes } }\n", null));
        assertEquals("plugins.redis.ready_while_disconnected", wrongType.key(), wrongType.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> TestGateway.start(dir,
                "plugins: { redis: { ready_while_disconected: false } }\n", null));
        assertEquals("plugins.redis.ready_while_disconected", unknown.key(), unknown.getMessage());
        assertFalse(unknown.getMessage().isBlank());
    }
}
