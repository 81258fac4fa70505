package io.aisix.kernel.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.resource.CoreKinds;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole gateway on a real etcd: Admin API writes reach the proxy-side snapshot, rows written
 * by other tools appear, malformed rows are rejected while the last good value serves, and an
 * etcd outage keeps the last snapshot serving until reconnect applies what changed meanwhile.
 */
class EtcdGatewayIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String yaml(EtcdServer etcd) {
        return "store: { backend: etcd, data_dir: DATA }\netcd: { endpoints: [" + etcd.endpoint() + "], prefix: /it }\n";
    }

    private TestGateway start(EtcdServer etcd) throws Exception {
        return TestGateway.start(dir, yaml(etcd).replace("DATA", dir.resolve("data").toString()), null);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1500; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static java.util.Optional<ProviderKey> key(TestGateway gw, String id) {
        return gw.gateway.snapshots().current().snapshot().get(CoreKinds.PROVIDER_KEYS, id);
    }

    @Test
    void adminWritesReachTheSnapshotAndRawRowsAreRead() throws Exception {
        try (EtcdServer etcd = EtcdServer.start(); TestGateway gw = start(etcd)) {
            assertEquals("etcd", JSON.readTree(gw.adminCall("GET", "/admin/v1/health", null).body())
                    .at("/config/store").asText());
            List<Long> delays = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String id = "k" + i;
                long t0 = System.nanoTime();
                int status = gw.adminCall("PUT", "/admin/v1/provider_keys/" + id, "{\"display_name\":\"key-" + i
                        + "\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789abcdef\"}").statusCode();
                assertEquals(201, status);
                await("snapshot has " + id, () -> key(gw, id).isPresent());
                delays.add(System.nanoTime() - t0);
            }
            Collections.sort(delays);
            System.out.printf("admin write -> proxy snapshot (incl. the HTTP call): p50 %.2f ms, p99 %.2f ms%n",
                    delays.get(delays.size() / 2) / 1e6, delays.get(delays.size() * 99 / 100) / 1e6);

            // etcdctl-style: bare JSON straight into etcd
            etcd.put("/it/provider_keys/raw", "{\"display_name\":\"raw\",\"provider\":\"anthropic\",\"api_key\":\"sk-ant-0123456789\"}");
            await("raw row", () -> key(gw, "raw").isPresent());
            assertEquals("anthropic", key(gw, "raw").get().provider());
            JsonNode listed = JSON.readTree(gw.adminCall("GET", "/admin/v1/provider_keys/raw", null).body());
            assertEquals("sk-…6789", listed.at("/value/api_key").asText());
            etcd.put("/it/provider_keys/hdr", "{\"display_name\":\"hdr\",\"provider\":\"openai\","
                    + "\"api_key\":\"sk-0123456789\",\"headers\":{\"Authorization\":\"Bearer etcd-secret-9876\"}}");
            await("raw headers", () -> key(gw, "hdr").isPresent());
            String headers = gw.adminCall("GET", "/admin/v1/provider_keys/hdr", null).body();
            assertEquals("Bea…9876", JSON.readTree(headers).at("/value/headers/Authorization").asText(), headers);
            assertFalse(headers.contains("etcd-secret"), headers);

            // malformed JSON for an existing key: rejected, the last good value keeps serving
            etcd.put("/it/provider_keys/raw", "{broken");
            await("rejection reported", () -> gw.gateway.snapshots().rejected().size() == 1);
            assertEquals("anthropic", key(gw, "raw").get().provider());
            JsonNode health = JSON.readTree(gw.adminCall("GET", "/admin/v1/health", null).body());
            assertEquals("raw", health.at("/config/rejected/0/id").asText());
            assertTrue(health.at("/config/rejected/0/serving_last_good").asBoolean());
        }
    }

    @Test
    void outageKeepsServingAndReconnectAppliesChanges() throws Exception {
        try (EtcdServer etcd = EtcdServer.start(); TestGateway gw = start(etcd)) {
            etcd.put("/it/provider_keys/a", "{\"display_name\":\"a\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}");
            await("a", () -> key(gw, "a").isPresent());
            etcd.kill();
            await("disconnected", () -> !gw.gateway.snapshots().connected());
            assertEquals(503, gw.adminCall("POST", "/admin/v1/provider_keys",
                    "{\"display_name\":\"b\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}").statusCode());
            assertTrue(key(gw, "a").isPresent(), "last snapshot keeps serving");
            // not ready by default while the store is unreachable (store.ready_while_disconnected)
            assertEquals(503, gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/readyz")))).statusCode());
            JsonNode health = JSON.readTree(gw.adminCall("GET", "/admin/v1/health", null).body());
            assertFalse(health.at("/config/connected").asBoolean());
            assertEquals("degraded", health.get("status").asText());

            etcd.restart();
            etcd.put("/it/provider_keys/b", "{\"display_name\":\"b\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}");
            etcd.delete("/it/provider_keys/a");
            await("reconnected with the outage's changes",
                    () -> gw.gateway.snapshots().connected() && key(gw, "b").isPresent() && key(gw, "a").isEmpty());
        }
    }
}
