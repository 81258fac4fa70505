package io.aisix.kernel.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import io.aisix.spi.redis.RedisService;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding of {@code plugins.<id>} sections to the records plugins declare. */
class PluginConfigsTest {
    /** A plugin's configuration record, as a plugin would write it. */
    public record LimitConfig(String backend, Redis redis, Long waitMs) {
        public LimitConfig {
            backend = backend == null ? "memory" : backend;
            waitMs = waitMs == null ? 5000L : waitMs;
        }
    }

    public record Redis(String url) {
    }

    /** The declaration a plugin ships in META-INF/services/io.aisix.spi.PluginConfig. */
    public static final class Declared implements PluginConfig<LimitConfig> {
        @Override
        public String pluginId() {
            return "rate-limit";
        }

        @Override
        public Class<LimitConfig> type() {
            return LimitConfig.class;
        }

        @Override
        public void check(LimitConfig c) {
            if (c.backend().equals("redis") && (c.redis() == null || c.redis().url() == null)) {
                throw new StartupException("redis.url", "is required when backend is redis");
            }
        }
    }

    /** A configuration that needs the shared Redis client once its URL is set. */
    public record UrlConfig(String url) {
    }

    public static final class NeedsRedis implements PluginConfig<UrlConfig> {
        @Override
        public String pluginId() {
            return "needs-redis";
        }

        @Override
        public Class<UrlConfig> type() {
            return UrlConfig.class;
        }

        @Override
        public Map<String, Class<?>> needs(UrlConfig c) {
            return c.url() == null ? Map.of() : Map.of("url", RedisService.class);
        }
    }

    @TempDir
    Path dir;
    private PluginRegistry registry;

    @BeforeEach
    void declare() throws IOException {
        Path services = Files.createDirectories(dir.resolve("cp/META-INF/services"));
        Files.writeString(services.resolve(PluginConfig.class.getName()), Declared.class.getName() + "\n");
        ClassLoader loader = new URLClassLoader(new URL[] {dir.resolve("cp").toUri().toURL()},
                getClass().getClassLoader());
        registry = PluginRegistry.load(null, loader);
    }

    private PluginConfigs bind(String yaml, Map<String, String> env) throws IOException {
        Path f = Files.writeString(dir.resolve("config.yaml"), yaml);
        return PluginConfigs.bind(registry, ConfigLoader.load(f, env).plugins());
    }

    private ConfigException fails(String yaml) {
        return assertThrows(ConfigException.class, () -> bind(yaml, Map.of()));
    }

    private LimitConfig bound(String yaml, Map<String, String> env) throws IOException {
        return (LimitConfig) bind(yaml, env).byType().get(LimitConfig.class);
    }

    @Test
    void aServiceAConfigurationNeedsIsCheckedWhenBoundNamingTheKey() throws IOException {
        Path services = Files.createDirectories(dir.resolve("needs/META-INF/services"));
        Files.writeString(services.resolve(PluginConfig.class.getName()), NeedsRedis.class.getName() + "\n");
        registry = PluginRegistry.load(null, new URLClassLoader(new URL[] {dir.resolve("needs").toUri().toURL()},
                getClass().getClassLoader()));
        assertTrue(registry.redisServices().isEmpty(), "no redis plugin here");
        bind("plugins: { needs-redis: { } }\n", Map.of()); // no URL, nothing needed
        ConfigException e = fails("plugins: { needs-redis: { url: \"redis://r:6379\" } }\n");
        assertEquals("plugins.needs-redis.url", e.key());
        assertEquals("plugins.needs-redis.url: " + RedisService.MISSING, e.getMessage());
    }

    @Test
    void aSectionBindsToTheRecordAndAnAbsentOneToItsDefaults() throws IOException {
        assertEquals(new LimitConfig("memory", null, 5000L), bound("", Map.of()));
        assertEquals(new LimitConfig("redis", new Redis("redis://r:6379"), 10L), bound(
                "plugins: { rate-limit: { backend: redis, redis: { url: \"redis://r:6379\" }, wait_ms: 10 } }\n",
                Map.of()));
    }

    @Test
    void unknownKeysAndWrongTypesAreNamedWithTheirFullKey() {
        ConfigException unknown = fails("plugins: { rate-limit: { backend: memory, bakend: redis } }\n");
        assertEquals("plugins.rate-limit.bakend", unknown.key());
        assertEquals("plugins.rate-limit.bakend: unknown key", unknown.getMessage());
        ConfigException type = fails("plugins: { rate-limit: { redis: { url: [a, b] } } }\n");
        assertEquals("plugins.rate-limit.redis.url: must be a string", type.getMessage());
        assertEquals("plugins.rate-limit.wait_ms: must be an integer",
                fails("plugins: { rate-limit: { wait_ms: soon } }\n").getMessage());
        assertEquals("plugins.rate-limit: must be a mapping (the settings of plugin rate-limit)",
                fails("plugins: { rate-limit: 3 }\n").getMessage());
    }

    @Test
    void thePluginsChecksRunAtBindingAndNameTheKey() {
        assertEquals("plugins.rate-limit.redis.url: is required when backend is redis",
                fails("plugins: { rate-limit: { backend: redis } }\n").getMessage());
    }

    @Test
    void aSectionOfAPluginThatIsNotInstalledIsAnError() {
        ConfigException e = fails("plugins: { dir: plugins, rate-limt: { backend: redis } }\n");
        assertEquals("plugins.rate-limt", e.key());
        assertTrue(e.getMessage().contains("no installed plugin is called rate-limt"), e.getMessage());
        assertTrue(e.getMessage().contains("[rate-limit]"), e.getMessage());
    }

    @Test
    void theEnvironmentOverridesWithTheIdsUnderscoreReadAsADash() throws IOException {
        assertEquals("redis", bound("plugins: { rate-limit: { redis: { url: \"redis://r\" } } }\n",
                Map.of("AISIX_PLUGINS__RATE_LIMIT__BACKEND", "redis")).backend());
        assertEquals(42L, bound("", Map.of("AISIX_PLUGINS__RATE_LIMIT__WAIT_MS", "42")).waitMs());
        assertEquals("plugins.rate-limit.wait_ms: must be an integer", assertThrows(ConfigException.class,
                () -> bind("", Map.of("AISIX_PLUGINS__RATE_LIMIT__WAIT_MS", "soon"))).getMessage());
    }

    @Test
    void aisixSpellingsMoveIntoTheSectionAndErrorsNameTheKeyAsWritten() throws IOException {
        assertEquals(new LimitConfig("redis", new Redis("redis://r"), 5000L),
                bound("ratelimit: { backend: redis, redis: { url: \"redis://r\" } }\n", Map.of()));
        assertEquals("ratelimit.redis.url: must be a string",
                fails("ratelimit: { backend: redis, redis: { url: [x] } }\n").getMessage());
        assertEquals("ratelimit.redis.url: is required when backend is redis",
                fails("ratelimit: { backend: redis, redis: { } }\n").getMessage());
        assertEquals("plugins.rate-limit.redis.url: is required when backend is redis",
                fails("ratelimit: { backend: redis }\n").getMessage(), "a key nobody wrote has its new spelling");
        assertEquals("ratelimit.backend", fails("ratelimit: { backend: redis }\n"
                + "plugins: { rate-limit: { backend: memory } }\n").key(), "both spellings at once");
        assertEquals("ratelimit.concurrency", fails("ratelimit: { concurrency: 3 }\n").key());
    }

    @Test
    void anOlderSpellingOfAPluginLeftOutIsIgnored() throws IOException {
        // an AISIX config's cache: section on a gateway without the cache plugin
        assertEquals(new LimitConfig("memory", null, 5000L), bound("cache: { backend: memory }\n", Map.of()));
    }

    @Test
    void thisGatewaysFormerKeysLoadWithOneDeprecationLine() throws IOException {
        Path f = Files.writeString(dir.resolve("old.yaml"), "budgets: { backend: memory }\nlogging: { access_log: false }\n");
        ConfigLoader.Loaded loaded = ConfigLoader.read(f, Map.of());
        assertEquals(2, loaded.notices().size(), loaded.notices().toString());
        assertEquals("budgets.backend: deprecated: this setting is now plugins.budgets.backend (the old key still works)",
                loaded.notices().get(0).toString());
        assertEquals("logging.access_log: deprecated: this setting is now plugins.observe.access_log (the old key "
                + "still works)", loaded.notices().get(1).toString());
        assertEquals(Map.of("backend", "budgets.backend"),
                loaded.config().plugins().sections().get("budgets").spelledAs());
    }

    @Test
    void startupErrorsOfAPluginNameTheOlderSpellingWhenThatIsWhatTheFileSays() throws IOException {
        PluginConfigs configs = bind("ratelimit: { backend: memory }\n", Map.of());
        assertEquals("ratelimit.backend", configs.spelling("plugins.rate-limit.backend"));
        assertEquals("plugins.rate-limit.redis.url", configs.spelling("plugins.rate-limit.redis.url"));
        assertEquals("upstream.timeout_ms", configs.spelling("upstream.timeout_ms"));
    }
}
