package io.aisix.plugin.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.TestGateway;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real etcd: the observe plugin starts and replaces exporters only after the snapshot that
 * asks for them serves (compile, swap, then activate), never while it is being compiled.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExporterActivationIT {
    private static final String P = "/obs";

    @TempDir
    Path dir;

    @AfterEach
    void forget() {
        RecordingExporterKind.watched = null;
        RecordingExporterKind.STARTS.clear();
    }

    private static String exporter(int batchSize) {
        return "{\"name\":\"rec\",\"kind\":\"test_recording\",\"batch_size\":" + batchSize + "}";
    }

    @Test
    void exportersAreReconfiguredOnlyOnceTheirSnapshotServes() throws Exception {
        try (EtcdServer etcd = EtcdServer.start();
             TestGateway gw = TestGateway.start(dir, "store: { backend: etcd, data_dir: " + dir.resolve("data") + " }\n"
                     + "etcd: { endpoints: [" + etcd.endpoint() + "], prefix: " + P + " }\n"
                     + "logging: { access_log: false }\n", null)) {
            RecordingExporterKind.STARTS.clear();
            RecordingExporterKind.watched = gw.gateway.snapshots();

            // one transaction: the exporter and 500 models
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put(P + "/provider_keys/pk", "{\"display_name\":\"pk\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}");
            for (int i = 0; i < 500; i++) {
                rows.put(P + "/models/m" + i, "{\"display_name\":\"m" + i + "\",\"provider_key_id\":\"pk\",\"model_name\":\"u\"}");
            }
            rows.put(P + "/observability_exporters/rec", exporter(100));
            etcd.txn(rows, List.of());
            await(() -> RecordingExporterKind.STARTS.size() == 1);
            RecordingExporterKind.Start first = RecordingExporterKind.STARTS.get(0);
            assertTrue(first.servedAlready(), "the exporter started before its snapshot served");
            assertEquals(500, first.modelsServed(), "the exporter started with only part of its transaction served");

            // a changed exporter is replaced, again after the swap
            etcd.put(P + "/observability_exporters/rec", exporter(7));
            await(() -> RecordingExporterKind.STARTS.size() == 2);
            RecordingExporterKind.Start second = RecordingExporterKind.STARTS.get(1);
            assertEquals(7, second.resource().batchSize());
            assertTrue(second.servedAlready(), "the changed exporter started before its snapshot served");
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; starts so far: " + RecordingExporterKind.STARTS);
            }
            Thread.sleep(5);
        }
    }
}
