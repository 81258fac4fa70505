package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.Response;
import io.aisix.spi.provider.ProviderAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * Base of tests against the {@link MockUpstream} (provider adapter tests): one mock and one
 * {@link TestUpstreamClient} per test class, the mock {@link MockUpstream#reset reset} before each
 * test, and every test bounded to 60 s. A subclass's own {@code @BeforeEach} runs after the reset
 * (for {@link MockUpstream#requireApiKey}); its {@code @BeforeAll} runs after the mock started.
 */
@Timeout(60)
public abstract class MockUpstreamTestBase {
    protected static final ObjectMapper JSON = new ObjectMapper();
    /** How long a test waits for an event or a state of the mock. */
    protected static final Duration WAIT = Duration.ofSeconds(10);
    protected static MockUpstream mock;
    protected static TestUpstreamClient client;

    @BeforeAll
    static void startMockUpstream() {
        mock = MockUpstream.start();
        client = new TestUpstreamClient();
    }

    @AfterAll
    static void stopMockUpstream() {
        client.close();
        mock.close();
    }

    @BeforeEach
    void resetMockUpstream() {
        mock.reset();
    }

    /** The body of a full (non-streaming) response, parsed. */
    protected static JsonNode json(Response r) {
        try {
            return JSON.readTree(assertInstanceOf(Response.Full.class, r).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ids of the provider adapters the {@link ServiceLoader} finds on the test class path. */
    protected static List<String> registeredAdapterIds() {
        List<String> ids = new ArrayList<>();
        ServiceLoader.load(ProviderAdapter.class).forEach(a -> ids.add(a.id()));
        return ids;
    }
}
