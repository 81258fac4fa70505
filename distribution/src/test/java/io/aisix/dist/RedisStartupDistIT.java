package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.LocalProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Redis back-end selected but not usable stops the start as docs/deployment.md promises: exit
 * code 2, nothing on stdout, and exactly one line on stderr naming the key.
 */
@Timeout(120)
class RedisStartupDistIT {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"cache", "ratelimit"})
    void redisBlockMissing(String section) {
        InstalledGateway.Exit exit = InstalledGateway.run(dir, "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n"
                + section + ": { backend: redis }\n", Map.of(), Duration.ofSeconds(60));
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("", exit.stdout());
        assertEquals(section.equals("cache")
                ? "aisix: cache.backend: is redis, but no cache backend 'redis' is on (set plugins.cache-redis.url; "
                        + "AISIX: cache.redis.url)\n"
                : "aisix: plugins.rate-limit.redis.url: is required when the backend is redis\n", exit.stderr());
    }

    /** Every Redis user names its key and the missing plugin when {@code plugins/redis/} is not installed. */
    @ParameterizedTest
    @ValueSource(strings = {"cache", "ratelimit", "plugins.budgets"})
    void redisPluginMissing(String section) {
        Path home = AnthropicIngressDistIT.installationWithout("redis", dir);
        int port = LocalProcesses.freePort(); // never asked: the plugin is missing before any connection
        String block = "{ backend: redis, redis: { url: \"redis://127.0.0.1:" + port + "/0\" } }";
        String yaml = "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n"
                + (section.startsWith("plugins.") ? "plugins: { budgets: " + block + " }" : section + ": " + block) + "\n";
        String why = section + ".redis.url: needs the redis plugin, which is not installed (no plugins/redis/ folder)";
        InstalledGateway.Exit exit = InstalledGateway.run(home, dir.resolve("run"), yaml, Map.of(), Duration.ofSeconds(60));
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("", exit.stdout());
        assertEquals("aisix: " + why + "\n", exit.stderr());

        Path config = dir.resolve("run/config.yaml");
        InstalledGateway.Exit validate = InstalledGateway.exec(dir, Duration.ofSeconds(60),
                home.resolve("bin/aisix").toString(), "validate", "--config", config.toString());
        assertEquals(2, validate.code(), validate.toString());
        assertTrue(validate.stdout().contains("error: " + why), validate.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cache", "ratelimit"})
    void redisUnreachable(String section) {
        int port = LocalProcesses.freePort(); // nothing listens there
        InstalledGateway.Exit exit = InstalledGateway.run(dir, "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n"
                + section + ": { backend: redis, redis: { url: \"redis://:s3cret-pw@127.0.0.1:" + port + "/0\" } }\n",
                Map.of(), Duration.ofSeconds(60));
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("", exit.stdout());
        assertTrue(Pattern.matches("aisix: " + section + "\\.redis\\.url: cannot reach Redis at 127\\.0\\.0\\.1:" + port
                + " \\([^\n]+\\)\n", exit.stderr()), exit.toString());
        assertTrue(!exit.stderr().contains("s3cret"), "the URL's password is never printed");
    }
}
