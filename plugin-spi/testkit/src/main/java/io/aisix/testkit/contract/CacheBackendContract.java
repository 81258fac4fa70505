package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aisix.spi.cache.CacheBackend;
import io.aisix.testkit.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@link CacheBackend} contract as tests. A cache-backend plugin's test extends this class with
 * its backend and a context whose settings turn it on (and point it at a test server):
 *
 * <ul>
 *   <li>the backend is declared in {@code META-INF/services/io.aisix.spi.cache.CacheBackend} under a
 *       lower-case id;</li>
 *   <li>started with {@link #pluginContext}, it answers a miss for an absent key, the stored bytes
 *       for a stored one (a second put replaces them), and stores an empty value;</li>
 *   <li>after {@link CacheBackend#stop} (an outage as far as requests go) {@code get} answers a miss
 *       and {@code put} drops the write, neither throws; a second {@code stop} is harmless.</li>
 * </ul>
 */
public abstract class CacheBackendContract {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Duration TTL = Duration.ofHours(1);

    /** A new backend, as {@link java.util.ServiceLoader} makes it. */
    protected abstract CacheBackend newBackend();

    /** The context of {@link CacheBackend#start}, with the settings that turn the backend on. */
    protected TestPluginContext pluginContext() {
        return new TestPluginContext();
    }

    @Test
    public void registeredForServiceLoaderUnderAnId() {
        CacheBackend b = newBackend();
        assertTrue(ID.matcher(b.id()).matches(), "id '" + b.id() + "' is not a lower-case backend id");
        Checks.assertRegistered(CacheBackend.class, b.getClass());
    }

    @Test
    public void storesAndAnswers() {
        CacheBackend b = started();
        try {
            String key = "contract:" + UUID.randomUUID();
            assertEquals(Optional.empty(), b.get(key), "an absent key is a miss");
            b.put(key, bytes("first"), TTL);
            assertArrayEquals(bytes("first"), b.get(key).orElseThrow(() -> new AssertionError("a stored key missed")));
            b.put(key, bytes("second"), TTL);
            assertArrayEquals(bytes("second"), b.get(key).orElseThrow(), "a second put replaces the value");
            b.put(key + ":empty", new byte[0], TTL);
            assertArrayEquals(new byte[0], b.get(key + ":empty").orElseThrow(() -> new AssertionError(
                    "an empty value is a value, not a miss")));
        } finally {
            b.stop();
        }
    }

    @Test
    public void aStoppedBackendMissesAndDropsWritesWithoutThrowing() {
        CacheBackend b = started();
        String key = "contract:" + UUID.randomUUID();
        b.put(key, bytes("v"), TTL);
        b.stop();
        try {
            b.put(key, bytes("w"), TTL);
            b.get(key);
        } catch (RuntimeException e) {
            fail("get/put threw " + e + " on a stopped backend: an outage must be a miss or a dropped write", e);
        }
        try {
            b.stop();
        } catch (RuntimeException e) {
            fail("a second stop() threw " + e, e);
        }
    }

    private CacheBackend started() {
        CacheBackend b = newBackend();
        assertTrue(b.start(pluginContext()), "start() answered false: pluginContext() must turn the backend on");
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
