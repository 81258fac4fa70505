package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped plugins' {@code plugins.<id>} sections are checked against the settings each plugin
 * declares before anything starts, by the installed {@code bin/aisix} and by {@code aisix validate}:
 * exit code 2 and one line naming the key; the environment's {@code AISIX_PLUGINS__<ID>__<KEY>}
 * counts as the key; a former spelling still loads, with one deprecation notice.
 */
@Timeout(180)
class PluginConfigDistIT {
    private static final String LISTENERS = "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n";

    @TempDir
    Path dir;

    private InstalledGateway.Exit start(String yaml, Map<String, String> env) {
        return InstalledGateway.run(dir, LISTENERS + yaml, env, Duration.ofSeconds(60));
    }

    @Test
    void aSectionThatDoesNotFitTheShippedPluginStopsTheStartNamingTheKey() {
        InstalledGateway.Exit exit = start("plugins: { rate-limit: { backend: redis, redis: { url: [6379] } } }\n",
                Map.of());
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("", exit.stdout());
        assertEquals("aisix: plugins.rate-limit.redis.url: must be a string\n", exit.stderr());

        exit = start("plugins: { cache: { memory: { max_entrys: 10 } } }\n", Map.of());
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("aisix: plugins.cache.memory.max_entrys: unknown key\n", exit.stderr());

        exit = start("plugins: { rate-limt: { backend: redis } }\n", Map.of());
        assertEquals(2, exit.code(), exit.toString());
        assertTrue(exit.stderr().startsWith("aisix: plugins.rate-limt: no installed plugin is called rate-limt ("),
                exit.toString());
        assertTrue(exit.stderr().contains("rate-limit"), "the installed ids are listed: " + exit.stderr());
    }

    @Test
    void theEnvironmentSetsAPluginsKey() {
        InstalledGateway.Exit exit = start("", Map.of("AISIX_PLUGINS__RATE_LIMIT__BACKEND", "redis"));
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("aisix: plugins.rate-limit.redis.url: is required when the backend is redis\n", exit.stderr());
    }

    @Test
    void validateNamesTheKeyAndAFormerSpellingIsANotice() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "plugins:\n  budgets:\n    backend: etcd\n");
        InstalledGateway.Exit exit = InstalledGateway.exec(dir, Duration.ofSeconds(60),
                InstalledGateway.home().resolve("bin/aisix").toString(), "validate", "--config", bad.toString());
        assertEquals(2, exit.code(), exit.toString());
        assertTrue(exit.stdout().contains(bad + ":3:5: error: plugins.budgets.backend: must be one of memory, redis "
                + "(got 'etcd')"), exit.toString());

        Path old = Files.writeString(dir.resolve("old.yaml"), "budgets:\n  backend: memory\n");
        exit = InstalledGateway.exec(dir, Duration.ofSeconds(60),
                InstalledGateway.home().resolve("bin/aisix").toString(), "validate", "--config", old.toString());
        assertEquals(0, exit.code(), exit.toString());
        assertTrue(exit.stdout().contains("notice: budgets.backend: deprecated: this setting is now "
                + "plugins.budgets.backend (the old key still works)"), exit.toString());
    }
}
