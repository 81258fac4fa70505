package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.embedded.EmbeddedStore;
import io.aisix.support.resource.CoreKinds;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code /livez} and {@code /readyz} in memory ({@code @RoutingTest}: Helidon's routing without a
 * socket), through the probes' life on the embedded store: not ready before the first snapshot,
 * ready once it is applied, both failing with their exact texts once a drain began (API.md §7).
 */
@RoutingTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProbesRoutingTest {
    static final Lifecycle LIFECYCLE = new Lifecycle();
    static Path data;
    static EmbeddedStore store;
    static SnapshotManager snapshots;

    private final DirectClient client;

    ProbesRoutingTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        Clock clock = Clock.systemUTC();
        KernelPluginContext ctx = new KernelPluginContext(null, clock);
        snapshots = new SnapshotManager(List.copyOf(CoreKinds.all()), new ChainCompiler(ctx, List.of(), Map.of(), null,
                new Dispatcher(0, new ModelHealth(), System::nanoTime, d -> { })), clock);
        data = Files.createTempDirectory("aisix-probes");
        store = new EmbeddedStore(data);
        routing.register(new Probes(LIFECYCLE, snapshots, store, false));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private ClientResponseTyped<String> get(String path) {
        return client.get(path).request(String.class);
    }

    private static void assertAnswer(ClientResponseTyped<String> r, Status status, String body) {
        assertEquals(status, r.status());
        assertEquals(body, r.entity());
        assertEquals("text/plain", r.headers().contentType().orElseThrow().text());
    }

    @Test
    @Order(1)
    void beforeTheFirstSnapshotLiveButNotReady() {
        assertAnswer(get("/livez"), Status.OK_200, "ok");
        assertAnswer(get("/readyz"), Status.SERVICE_UNAVAILABLE_503, "not ready: configuration not yet applied");
    }

    @Test
    @Order(2)
    void readyOnceASnapshotIsApplied() throws InterruptedException {
        store.watch(snapshots);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!snapshots.applied() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertAnswer(get("/readyz"), Status.OK_200, "ok");
        assertAnswer(get("/livez"), Status.OK_200, "ok");
        assertTrue(get("/livez").headers().contains(io.helidon.http.HeaderNames.create("X-Content-Type-Options")));
    }

    @Test
    @Order(3)
    void aDrainFailsBothProbes() {
        LIFECYCLE.beginDrain();
        assertAnswer(get("/livez"), Status.SERVICE_UNAVAILABLE_503, "livez check failed: draining");
        assertAnswer(get("/readyz"), Status.SERVICE_UNAVAILABLE_503, "not ready: draining");
    }
}
