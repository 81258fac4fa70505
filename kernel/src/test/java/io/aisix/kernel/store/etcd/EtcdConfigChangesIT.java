package io.aisix.kernel.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.testsupport.ExplodingFilterFactory;
import io.aisix.kernel.testsupport.PluginLoaders;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration changes through a whole gateway on a real etcd: a multi-row transaction is served
 * whole or not at all (polled through the proxy, the snapshot and health while it applies), and a
 * plugin whose factory throws keeps its last filter without blocking later changes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdConfigChangesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CALLER = "sk-batch-caller-0123456789";
    private static final String P = "/batch";

    @TempDir
    Path dir;

    private TestGateway start(EtcdServer etcd) throws Exception {
        ClassLoader loader = PluginLoaders.withCallerPlugins(dir, Map.of("io.aisix.spi.FilterFactory",
                List.of(ExplodingFilterFactory.class.getName())));
        return TestGateway.startWith(dir, "store: { backend: etcd, data_dir: " + dir.resolve("data") + " }\n"
                + "etcd: { endpoints: [" + etcd.endpoint() + "], prefix: " + P + " }\n", loader);
    }

    private static void seed(EtcdServer etcd) {
        etcd.put(P + "/provider_keys/pk", "{\"display_name\":\"pk\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}");
        etcd.put(P + "/api_keys/caller", "{\"display_name\":\"caller\",\"key_hash\":\"" + Digests.sha256Hex(CALLER) + "\"}");
    }

    private static String model(String alias) {
        return "{\"display_name\":\"" + alias + "\",\"provider_key_id\":\"pk\",\"model_name\":\"up-" + alias + "\"}";
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static int models(TestGateway gw) {
        GatewayState s = gw.gateway.snapshots().current();
        return s == null ? -1 : s.snapshot().all(CoreKinds.MODELS).size();
    }

    private static JsonNode health(TestGateway gw) throws Exception {
        return JSON.readTree(gw.adminCall("GET", "/admin/v1/health", null).body());
    }

    @Test
    void aTransactionOfTwoThousandRowsIsNeverSeenHalfApplied() throws Exception {
        int n = 2000;
        try (EtcdServer etcd = EtcdServer.start()) {
            seed(etcd);
            etcd.put(P + "/models/first", model("first"));
            try (TestGateway gw = start(etcd)) {
                await("the first model", () -> models(gw) == 1);
                Set<Integer> proxySaw = new ConcurrentSkipListSet<>();
                Set<Integer> snapshotSaw = new ConcurrentSkipListSet<>();
                List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean stop = new AtomicBoolean();
                long[] txn = {Long.MAX_VALUE};

                Thread snapshotPoller = Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        GatewayState s = gw.gateway.snapshots().current();
                        int size = s.snapshot().all(CoreKinds.MODELS).size();
                        snapshotSaw.add(size);
                        if (s.snapshot().revision() >= txn[0] && size != n + 1) {
                            violations.add("snapshot at the transaction's revision holds " + size + " models");
                        }
                        Thread.onSpinWait();
                    }
                });
                Thread proxyPoller = Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/models")))
                                .header("Authorization", "Bearer " + CALLER));
                        try {
                            proxySaw.add(JSON.readTree(r.body()).path("data").size());
                            JsonNode h = health(gw);
                            int after = models(gw); // read after health: revisions only move forward
                            if (h.at("/config/revision").asLong() >= txn[0] && after != n + 1) {
                                violations.add("health reported revision " + h.at("/config/revision") + " with "
                                        + after + " models served");
                            }
                        } catch (Exception e) {
                            violations.add(e.toString());
                        }
                    }
                });
                Map<String, String> rows = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    rows.put(P + "/models/bulk-" + i, model("bulk-" + i));
                }
                txn[0] = etcd.txn(rows, List.of());
                await("both readers saw the transaction", () -> snapshotSaw.contains(n + 1) && proxySaw.contains(n + 1));
                stop.set(true);
                snapshotPoller.join(5000);
                proxyPoller.join(5000);

                assertEquals(List.of(), violations);
                assertEquals(new TreeSet<>(List.of(1, n + 1)), new TreeSet<>(snapshotSaw), "snapshot sizes seen");
                assertEquals(new TreeSet<>(List.of(1, n + 1)), new TreeSet<>(proxySaw), "/v1/models sizes seen");
                JsonNode h = health(gw);
                assertEquals(txn[0], h.at("/config/revision").asLong());
                assertEquals(txn[0], h.at("/config/seen_revision").asLong());
                assertEquals(0, h.at("/config/behind_ms").asLong());
            }
        }
    }

    @Test
    void aThrowingPluginFactoryDoesNotBlockALaterUnrelatedChange() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            seed(etcd);
            try (TestGateway gw = start(etcd)) {
                await("the seed", () -> gw.gateway.snapshots().current() != null
                        && gw.gateway.snapshots().current().snapshot().get(CoreKinds.API_KEYS, "caller").isPresent());
                assertTrue(gw.gateway.snapshots().current().chain().ids().contains(ExplodingFilterFactory.ID));

                long bad = etcd.put(P + "/models/bad", model("explode-me"));
                await("the failure", () -> gw.gateway.snapshots().revision() >= bad);
                JsonNode h = health(gw);
                assertEquals("degraded", h.get("status").asText(), h.toString());
                JsonNode f = h.at("/config/plugin_failures/0");
                assertEquals(ExplodingFilterFactory.ID, f.get("plugin").asText());
                assertEquals("compile", f.get("step").asText());
                assertEquals("models/bad", f.at("/resources/0").asText());
                assertTrue(f.get("error").asText().contains("cannot index alias explode-me"), f.toString());
                assertEquals(bad, f.get("revision").asLong());
                // the rest of the change applied, and the plugin kept its filter
                assertTrue(gw.gateway.snapshots().current().snapshot().get(CoreKinds.MODELS, "bad").isPresent());
                assertTrue(gw.gateway.snapshots().current().chain().ids().contains(ExplodingFilterFactory.ID));

                long later = etcd.put(P + "/models/later", model("later"));
                await("the unrelated change", () -> gw.gateway.snapshots().revision() >= later);
                assertTrue(gw.gateway.snapshots().current().snapshot().get(CoreKinds.MODELS, "later").isPresent());
                HttpResponse<String> listed = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/models")))
                        .header("Authorization", "Bearer " + CALLER));
                assertTrue(listed.body().contains("\"later\""), listed.body());
                assertEquals("models/bad", health(gw).at("/config/plugin_failures/0/resources/0").asText());

                long fixed = etcd.delete(P + "/models/bad");
                await("the fix", () -> gw.gateway.snapshots().revision() >= fixed);
                h = health(gw);
                assertEquals(0, h.at("/config/plugin_failures").size(), h.toString());
                assertEquals("ok", h.get("status").asText(), h.toString());
            }
        }
    }

    @Test
    void anOutageFailsReadinessServesStaleReadsAndRefusesWritesWithTheEnvelope() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            seed(etcd);
            try (TestGateway gw = start(etcd)) {
                await("the seed", () -> gw.gateway.snapshots().current() != null
                        && gw.gateway.snapshots().current().snapshot().get(CoreKinds.API_KEYS, "caller").isPresent());
                long rev = gw.gateway.snapshots().revision();
                assertEquals(200, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz")))).statusCode());
                HttpResponse<String> fresh = gw.adminCall("GET", "/admin/v1/provider_keys", null);
                assertTrue(fresh.headers().firstValue("x-aisix-stale-revision").isEmpty());

                etcd.kill();
                await("the disconnect", () -> !gw.gateway.store().connected());
                HttpResponse<String> ready = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz"))));
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().startsWith("not ready: etcd at "), ready.body());
                assertTrue(ready.body().contains("unreachable since"), ready.body());
                assertEquals(200, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/livez")))).statusCode());

                JsonNode h = health(gw);
                assertEquals("degraded", h.get("status").asText());
                assertEquals("disconnected", h.at("/config/store_status/state").asText());
                assertTrue(h.at("/config/store_status/endpoint").asText().contains(etcd.endpoint()), h.toString());
                assertFalse(h.at("/config/store_status/error").asText().isEmpty(), h.toString());
                assertFalse(h.at("/config/store_status/since").asText().isEmpty());

                HttpResponse<String> stale = gw.adminCall("GET", "/admin/v1/provider_keys", null);
                assertEquals(200, stale.statusCode(), stale.body());
                assertEquals(String.valueOf(rev), stale.headers().firstValue("x-aisix-stale-revision").orElseThrow());
                assertEquals(h.at("/config/store_status/since").asText(),
                        stale.headers().firstValue("x-aisix-stale-since").orElseThrow());
                assertEquals(JSON.readTree(fresh.body()), JSON.readTree(stale.body()), "the same rows, masked the same way");
                HttpResponse<String> one = gw.adminCall("GET", "/admin/v1/api_keys/caller", null);
                assertEquals(200, one.statusCode(), one.body());
                assertTrue(one.headers().firstValue("x-aisix-stale-revision").isPresent());
                assertEquals(404, gw.adminCall("GET", "/admin/v1/api_keys/nope", null).statusCode());

                HttpResponse<String> write = gw.adminCall("POST", "/admin/v1/provider_keys",
                        "{\"display_name\":\"b\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}");
                assertEquals(503, write.statusCode());
                assertEquals("application/json", write.headers().firstValue("content-type").orElseThrow());
                assertTrue(JSON.readTree(write.body()).get("error_msg").asText().startsWith("configuration store unavailable"),
                        write.body());

                etcd.restart();
                await("readiness", () -> gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz")))).statusCode() == 200);
                assertTrue(gw.adminCall("GET", "/admin/v1/provider_keys", null).headers()
                        .firstValue("x-aisix-stale-revision").isEmpty());
            }
        }
    }

    @Test
    void aStoreThatCannotInitialiseKeepsTheGatewayUnreadyAndSaysWhy() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            seed(etcd);
            etcd.kill();
            try (TestGateway gw = start(etcd)) {
                HttpResponse<String> ready = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz"))));
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().startsWith("not ready: configuration not yet applied (etcd at "), ready.body());
                JsonNode h = health(gw);
                assertEquals("degraded", h.get("status").asText());
                assertEquals("disconnected", h.at("/config/store_status/state").asText());
                assertFalse(h.at("/config/store_status/error").asText().isEmpty(), h.toString());
                HttpResponse<String> read = gw.adminCall("GET", "/admin/v1/provider_keys", null);
                assertEquals(503, read.statusCode(), "nothing known to serve stale");
                assertEquals("application/json", read.headers().firstValue("content-type").orElseThrow());

                etcd.restart();
                await("the first sync", () -> gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz"))))
                        .statusCode() == 200);
                assertEquals(200, gw.adminCall("GET", "/admin/v1/provider_keys", null).statusCode());
            }
        }
    }

    @Test
    void readyWhileDisconnectedKeepsAisixSemantics() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            seed(etcd);
            ClassLoader loader = PluginLoaders.withCallerPlugins(dir, Map.of());
            try (TestGateway gw = TestGateway.startWith(dir, "store: { backend: etcd, data_dir: " + dir.resolve("data")
                    + ", ready_while_disconnected: true }\netcd: { endpoints: [" + etcd.endpoint() + "], prefix: " + P
                    + " }\n", loader)) {
                await("the seed", () -> gw.gateway.snapshots().applied());
                etcd.kill();
                await("the disconnect", () -> !gw.gateway.store().connected());
                assertEquals(200, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz")))).statusCode());
                assertEquals("degraded", health(gw).get("status").asText(), "health still tells");
            }
        }
    }
}
