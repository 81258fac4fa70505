package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.resources.Finding;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.PluginFailure;
import io.aisix.kernel.snapshot.RejectedRow;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.kernel.store.file.ResourcesFileStore;
import io.aisix.spi.HealthContributor;
import io.aisix.spi.resource.Model;
import io.aisix.support.resource.CoreKinds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code GET /admin/v1/health} document (API.md section 7). {@code status} is
 * {@code unhealthy} when a model is down or the store failed for good; {@code degraded} when a
 * model is degraded, the store is unreachable, no configuration was ever applied, the latest
 * change is held back, a plugin serves an older configuration, a dependency a plugin reported
 * is down, or the resources file as last read is refused; else {@code ok}.
 */
public final class HealthReport implements Supplier<JsonNode> {
    private static final Logger LOG = Logger.getLogger(HealthReport.class.getName());

    private final SnapshotManager snapshots;
    private final ModelHealth models;
    private final ConfigStore store;
    private final Optional<ResourcesFileStore> file;
    private final Supplier<List<HealthContributor>> dependencies;
    private final Clock clock;

    public HealthReport(SnapshotManager snapshots, ModelHealth models, ConfigStore store,
                        Supplier<List<HealthContributor>> dependencies, Clock clock) {
        this(snapshots, models, store, Optional.empty(), dependencies, clock);
    }

    /** @param file the resources file when the gateway serves one ({@code store} is then that file) */
    public HealthReport(SnapshotManager snapshots, ModelHealth models, ConfigStore store,
                        Optional<ResourcesFileStore> file, Supplier<List<HealthContributor>> dependencies, Clock clock) {
        this.snapshots = snapshots;
        this.models = models;
        this.store = store;
        this.file = file;
        this.dependencies = dependencies;
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
        StoreStatus storeStatus = store.status();
        ArrayNode deps = ResourceService.JSON.createArrayNode();
        boolean depDown = dependencies(deps);
        boolean failed = storeStatus.state() == StoreStatus.State.FAILED;
        boolean fileRejected = file.flatMap(ResourcesFileStore::rejection).isPresent();
        boolean degraded = worst == 1 || state == null || !storeStatus.connected() || !snapshots.lastError().isEmpty()
                || !snapshots.pluginFailures().isEmpty() || depDown || fileRejected;
        out.put("status", worst == 2 || failed ? "unhealthy" : degraded ? "degraded" : "ok");
        out.set("models", list);
        ObjectNode config = out.putObject("config");
        config.put("store", store.backend());
        config.put("connected", storeStatus.connected());
        ObjectNode st = config.putObject("store_status");
        st.put("state", storeStatus.state().name().toLowerCase(java.util.Locale.ROOT));
        st.put("endpoint", storeStatus.endpoint());
        st.put("since", storeStatus.since().toString());
        if (!storeStatus.error().isEmpty()) {
            st.put("error", storeStatus.error());
        }
        config.put("revision", snapshots.revision());
        config.put("seen_revision", snapshots.seenRevision());
        config.put("behind_ms", snapshots.behind().toMillis());
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
        ArrayNode plugins = config.putArray("plugin_failures");
        for (PluginFailure f : snapshots.pluginFailures()) {
            ObjectNode n = plugins.addObject();
            n.put("plugin", f.plugin());
            n.put("step", f.step());
            n.put("error", f.error());
            n.put("revision", f.revision());
            ArrayNode resources = n.putArray("resources");
            f.resources().forEach(resources::add);
            n.put("since", f.since().toString());
        }
        ObjectNode ignored = config.putObject("ignored_fields");
        for (Map.Entry<String, List<String>> e : snapshots.ignoredFields().entrySet()) {
            ArrayNode a = ignored.putArray(e.getKey());
            e.getValue().forEach(a::add);
        }
        if (!snapshots.lastError().isEmpty()) {
            config.put("last_error", snapshots.lastError());
        }
        file.ifPresent(f -> config.set("resources_file", fileJson(f)));
        out.set("dependencies", deps);
        return out;
    }

    /**
     * {@code {"path", "generation", "applied_at", "notices": [..], "rejected": {"since",
     * "last_attempt", "errors": [{"file", "line", "column", "path", "message"}]}}}, {@code rejected}
     * only while the file as last read is refused.
     */
    private static ObjectNode fileJson(ResourcesFileStore f) {
        ObjectNode n = ResourceService.JSON.createObjectNode();
        n.put("path", f.file().toString());
        n.put("generation", f.generation());
        n.put("applied_at", f.appliedAt().toString());
        ArrayNode notices = n.putArray("notices");
        f.notices().forEach(x -> notices.add(x.format("notice")));
        f.rejection().ifPresent(r -> {
            ObjectNode rej = n.putObject("rejected");
            rej.put("since", r.since().toString());
            rej.put("last_attempt", r.lastAttempt().toString());
            ArrayNode errors = rej.putArray("errors");
            for (Finding e : r.errors()) {
                errors.addObject().put("file", e.file()).put("line", e.line()).put("column", e.column())
                        .put("path", e.path()).put("message", e.message());
            }
        });
        return n;
    }

    /** Fills {@code out}; true when one is down. A contributor that throws counts as down. */
    private boolean dependencies(ArrayNode out) {
        boolean down = false;
        for (HealthContributor c : dependencies.get()) {
            ObjectNode n = out.addObject();
            n.put("name", c.name());
            try {
                HealthContributor.Status s = c.status();
                n.put("up", s.up());
                n.put("target", s.target());
                if (!s.up()) {
                    n.put("error", s.error());
                }
                n.put("since", s.since().toString());
                down |= !s.up();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health contributor " + c.name() + " failed", e);
                n.put("up", false);
                n.put("error", "its status could not be read: " + e.getClass().getSimpleName());
                down = true;
            }
        }
        return down;
    }
}
