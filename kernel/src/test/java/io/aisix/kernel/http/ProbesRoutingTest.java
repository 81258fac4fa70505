package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.embedded.EmbeddedStore;
import io.aisix.spi.HealthContributor;
import io.aisix.support.DependencyHealth;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code /livez} and {@code /readyz} in memory ({@code @RoutingTest}: Helidon's routing without a
 * socket), through the probes' life on the embedded store: not ready before the first snapshot,
 * ready once it is applied, not ready while a plugin's dependency that gates readiness is down (and
 * only then), both failing with their exact texts once a drain began (API.md §7), a drain's reason
 * before a dependency's.
 */
@RoutingTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProbesRoutingTest {
    static final Lifecycle LIFECYCLE = new Lifecycle();
    static Path data;
    static EmbeddedStore store;
    static SnapshotManager snapshots;
    static final List<HealthContributor> DEPENDENCIES = new CopyOnWriteArrayList<>();
    static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

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
        routing.register(new Probes(ProbeChecks.gateway(LIFECYCLE, snapshots, store, false,
                () -> List.copyOf(DEPENDENCIES))));
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
    void aDependencyThatGatesReadinessFailsReadyzWhileItIsDown() {
        DependencyHealth jwks = new DependencyHealth("jwks", "idp.example:443", FIXED); // degrades health only
        DependencyHealth redis = new DependencyHealth("redis (cache)", "127.0.0.1:6379", FIXED, true);
        DEPENDENCIES.add(jwks);
        DEPENDENCIES.add(redis); // after the listeners started, as a plugin may
        jwks.down("connect timed out");
        assertAnswer(get("/readyz"), Status.OK_200, "ok");
        redis.down("connection lost; reconnecting");
        assertAnswer(get("/readyz"), Status.SERVICE_UNAVAILABLE_503, "not ready: redis (cache) at 127.0.0.1:6379 "
                + "down since 2026-01-01T00:00:00Z: connection lost; reconnecting");
        assertAnswer(get("/livez"), Status.OK_200, "ok");
        redis.up();
        assertAnswer(get("/readyz"), Status.OK_200, "ok");
        redis.down("RedisCommandTimeoutException: Command timed out after 200 millisecond(s)"); // for the drain's test
    }

    @Test
    @Order(4)
    void aContributorThatThrowsFailsReadinessNotLiveness() {
        HealthContributor broken = new HealthContributor() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public Status status() {
                throw new IllegalStateException("bug");
            }

            @Override
            public boolean gatesReadiness() {
                throw new IllegalStateException("bug");
            }
        };
        DEPENDENCIES.addFirst(broken);
        try {
            assertAnswer(get("/readyz"), Status.SERVICE_UNAVAILABLE_503,
                    "not ready: broken check failed: java.lang.IllegalStateException: bug");
            assertAnswer(get("/livez"), Status.OK_200, "ok");
        } finally {
            DEPENDENCIES.remove(broken);
        }
    }

    @Test
    @Order(5)
    void aDrainFailsBothProbes() {
        LIFECYCLE.beginDrain();
        assertAnswer(get("/livez"), Status.SERVICE_UNAVAILABLE_503, "livez check failed: draining");
        assertAnswer(get("/readyz"), Status.SERVICE_UNAVAILABLE_503, "not ready: draining");
    }
}
