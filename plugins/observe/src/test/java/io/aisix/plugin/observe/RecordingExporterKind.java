package io.aisix.plugin.observe;

import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.support.resource.CoreKinds;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Exporter kind {@code test_recording} for {@link ExporterActivationIT}: each start records what the
 * gateway served at that moment, so the test can tell whether exporters were reconfigured before
 * or after the configuration that asks for them was swapped in.
 */
public final class RecordingExporterKind implements ExporterKind {
    /** What the serving state looked like when an exporter was started. */
    record Start(ExporterResource resource, boolean servedAlready, int modelsServed) {
    }

    static volatile SnapshotManager watched;
    static final List<Start> STARTS = new CopyOnWriteArrayList<>();

    @Override
    public String kind() {
        return "test_recording";
    }

    @Override
    public Exporter create(ExporterResource resource, PluginContext context) {
        SnapshotManager m = watched;
        if (m != null) {
            GatewayState s = m.current();
            boolean served = s != null && resource.equals(
                    s.snapshot().get(ObservabilityExportersKind.KIND, resource.id()).orElse(null));
            STARTS.add(new Start(resource, served, s == null ? -1 : s.snapshot().all(CoreKinds.MODELS).size()));
        }
        return events -> { };
    }
}
