package io.aisix.kernel.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aisix.kernel.admin.AdminAuth;
import io.aisix.kernel.admin.AdminRoutes;
import io.aisix.kernel.admin.HealthReport;
import io.aisix.kernel.admin.ResourceService;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.http.Lifecycle;
import io.aisix.kernel.http.ProbeChecks;
import io.aisix.kernel.http.Probes;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.support.resource.CoreKinds;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A store whose watch thread died (an Error such as NoClassDefFoundError from an incomplete
 * installation) never looks alive: the probes, health and the Admin API of the gateway's own
 * classes, on a real listener, with the failure provoked in the real supervisor.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdStoreFailedIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "failed-store-admin-key-0123";

    @Test
    void aDeadWatchThreadFailsBothProbesAndHealthNamesTheCause() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            etcd.put("/f/provider_keys/pk", "{\"display_name\":\"pk\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}");
            Clock clock = Clock.systemUTC();
            KernelPluginContext ctx = new KernelPluginContext(null, clock);
            Dispatcher dispatcher = new Dispatcher(0, new ModelHealth(), System::nanoTime, d -> { });
            SnapshotManager snapshots = new SnapshotManager(List.copyOf(CoreKinds.all()),
                    new ChainCompiler(ctx, List.of(), Map.of(), null, dispatcher), clock);
            try (EtcdStore store = EtcdStore.builder(etcd.config("/f")).pause(new TestPause(20))
                    .beforeWatch(rev -> {
                        throw new NoClassDefFoundError("io/netty/handler/logging/ByteBufFormat");
                    }).build()) {
                store.watch(snapshots);
                Lifecycle lifecycle = new Lifecycle();
                Probes probes = new Probes(ProbeChecks.gateway(lifecycle, snapshots, store, true,
                        ctx::healthContributors));
                HealthReport health = new HealthReport(snapshots, dispatcher.health(), store, ctx::healthContributors, clock);
                AdminRoutes admin = new AdminRoutes(new AdminAuth(List.of(KEY)),
                        new ResourceService(store, snapshots.kinds()), health, List.of());
                WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                        .routing(r -> r.register(probes).register(AdminRoutes.PREFIX, admin)).build().start();
                try {
                    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                    String base = "http://127.0.0.1:" + server.port();
                    HttpResponse<String> ready = get(http, base + "/readyz");
                    assertEquals(503, ready.statusCode(), "even with ready_while_disconnected");
                    assertTrue(ready.body().contains("failed for good") && ready.body().contains("ByteBufFormat"),
                            ready.body());
                    HttpResponse<String> live = get(http, base + "/livez");
                    assertEquals(503, live.statusCode());
                    assertTrue(live.body().contains("restart needed"), live.body());

                    JsonNode h = JSON.readTree(get(http, base + "/admin/v1/health").body());
                    assertEquals("unhealthy", h.get("status").asText(), h.toString());
                    assertEquals("failed", h.at("/config/store_status/state").asText());
                    assertTrue(h.at("/config/store_status/error").asText().contains("NoClassDefFoundError"), h.toString());

                    // reads come from the rows of the sync before the thread died, flagged stale
                    HttpResponse<String> list = get(http, base + "/admin/v1/provider_keys");
                    assertEquals(200, list.statusCode(), list.body());
                    assertEquals("pk", JSON.readTree(list.body()).at("/0/id").asText());
                    assertTrue(list.headers().firstValue("x-aisix-stale-revision").isPresent());
                    HttpResponse<String> write = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/v1/provider_keys"))
                            .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"display_name\":\"b\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(503, write.statusCode());
                    assertEquals("application/json", write.headers().firstValue("content-type").orElseThrow());
                    assertTrue(write.body().contains("failed for good"), write.body());
                } finally {
                    server.stop();
                }
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, String uri) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
