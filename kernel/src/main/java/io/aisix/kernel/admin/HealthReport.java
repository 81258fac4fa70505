package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.RejectedRow;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.spi.resource.CoreKinds;
import io.aisix.spi.resource.Model;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code GET /admin/v1/health} document (API.md section 7). {@code status} is
 * {@code unhealthy} when a model is down, {@code degraded} when a model is degraded, the store is
 * unreachable, no configuration was ever applied, or the last configuration could not be
 * compiled; else {@code ok}.
 */
public final class HealthReport implements Supplier<JsonNode> {
    private final SnapshotManager snapshots;
    private final ModelHealth models;
    private final String storeBackend;
    private final Clock clock;

    public HealthReport(SnapshotManager snapshots, ModelHealth models, String storeBackend, Clock clock) {
        this.snapshots = snapshots;
        this.models = models;
        this.storeBackend = storeBackend;
        this.clock = clock;
    }

    @Override
    public JsonNode get() {
        ObjectNode out = ResourceService.JSON.createObjectNode();
        GatewayState state = snapshots.current();
        int worst = 0;
        ArrayNode list = ResourceService.JSON.createArrayNode();
        if (state != null) {
            for (Model m : state.snapshot().all(CoreKinds.MODELS).values()) {
                int level = models.level(m.id());
                worst = Math.max(worst, level);
                ObjectNode n = list.addObject();
                n.put("id", m.id());
                n.put("name", m.displayName());
                n.put("health", level);
            }
        }
        boolean degraded = worst == 1 || state == null || !snapshots.connected() || !snapshots.lastError().isEmpty();
        out.put("status", worst == 2 ? "unhealthy" : degraded ? "degraded" : "ok");
        out.set("models", list);
        ObjectNode config = out.putObject("config");
        config.put("store", storeBackend);
        config.put("connected", snapshots.connected());
        config.put("revision", snapshots.revision());
        Instant applied = snapshots.lastApplied();
        if (applied == null) {
            config.putNull("age_seconds");
        } else {
            config.put("age_seconds", Math.max(0, Duration.between(applied, clock.instant()).toSeconds()));
        }
        ArrayNode rejected = config.putArray("rejected");
        for (RejectedRow r : snapshots.rejected()) {
            ObjectNode n = rejected.addObject();
            n.put("kind", r.kind());
            n.put("id", r.id());
            n.put("revision", r.revision());
            n.put("serving_last_good", r.servingLastGood());
            n.put("since", r.since().toString());
            ArrayNode errors = n.putArray("errors");
            r.errors().forEach(errors::add);
        }
        ObjectNode ignored = config.putObject("ignored_fields");
        for (Map.Entry<String, List<String>> e : snapshots.ignoredFields().entrySet()) {
            ArrayNode a = ignored.putArray(e.getKey());
            e.getValue().forEach(a::add);
        }
        if (!snapshots.lastError().isEmpty()) {
            config.put("last_error", snapshots.lastError());
        }
        return out;
    }
}
