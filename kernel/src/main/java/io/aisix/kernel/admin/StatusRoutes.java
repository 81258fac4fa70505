package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.RejectedRow;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.resource.CoreKinds;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * AISIX's status endpoints on the metrics listener (on the admin listener when {@code metrics.addr}
 * is empty, like {@code /metrics}), unauthenticated: restrict them by network.
 *
 * <ul>
 *   <li>{@code GET /status/ready}: 200 {@code ok} once a configuration was applied, else 503
 *       {@code no configuration available}; the configuration source's readiness only (a drain
 *       does not change it: {@code /readyz} says that).</li>
 *   <li>{@code GET /status/config}: what the gateway serves against what the store holds:
 *       revisions, rejected rows with their reasons and whether the last good value still serves,
 *       staleness (docs/API.md section 7).</li>
 *   <li>{@code GET /status/models}: every model with its kind and runtime status.</li>
 * </ul>
 */
public final class StatusRoutes implements HttpService {
    private static final Logger LOG = Logger.getLogger(StatusRoutes.class.getName());
    public static final String READY = "/status/ready";
    public static final String CONFIG = "/status/config";
    public static final String MODELS = "/status/models";
    /** Paths the metrics path must not shadow. */
    public static final List<String> PATHS = List.of(READY, CONFIG, MODELS);

    private final SnapshotManager snapshots;
    private final ConfigStore store;
    private final Dispatcher dispatcher;
    private final Clock clock;
    private final boolean fileMode;

    /** @param fileMode the store is a resources file ({@code source.type: file}) */
    public StatusRoutes(SnapshotManager snapshots, ConfigStore store, Dispatcher dispatcher, Clock clock,
                        boolean fileMode) {
        this.snapshots = snapshots;
        this.store = store;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.fileMode = fileMode;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(READY, (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            if (snapshots.applied()) {
                res.send("ok");
            } else {
                res.status(Status.SERVICE_UNAVAILABLE_503).send("no configuration available");
            }
        });
        rules.get(CONFIG, (req, res) -> json(res, config()));
        rules.get(MODELS, (req, res) -> {
            JsonNode body;
            try {
                body = models();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "/status/models failed", e);
                res.status(Status.INTERNAL_SERVER_ERROR_500);
                body = ResourceService.JSON.createObjectNode().put("error_msg", "failed to list models");
            }
            json(res, body);
        });
    }

    private static void json(ServerResponse res, JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code state}: {@code never_loaded} before the first apply; {@code out_of_sync} while the
     * store is unreachable (or failed for good) or the newest revision seen is not served (held
     * back, or not yet applied); {@code degraded} while rows are rejected or a plugin serves an
     * older configuration; {@code empty} when the served configuration holds no rows; else
     * {@code synced}.
     */
    ObjectNode config() {
        ObjectNode out = ResourceService.JSON.createObjectNode();
        GatewayState state = snapshots.current();
        StoreStatus st = store.status();
        long served = snapshots.revision();
        long seen = snapshots.seenRevision();
        List<RejectedRow> rejected = snapshots.rejected();
        Map<String, Integer> counts = new TreeMap<>();
        int total = 0;
        if (state != null) {
            for (Map.Entry<String, ResourceKind<?>> k : snapshots.kinds().entrySet()) {
                int n = state.snapshot().all(k.getValue()).size();
                counts.put(k.getKey(), n);
                total += n;
            }
        }
        String s;
        if (state == null) {
            s = "never_loaded";
        } else if (!st.connected() || served < seen || !snapshots.lastError().isEmpty()) {
            s = "out_of_sync";
        } else if (!rejected.isEmpty() || !snapshots.pluginFailures().isEmpty()) {
            s = "degraded";
        } else if (total == 0) {
            s = "empty";
        } else {
            s = "synced";
        }
        out.put("state", s);

        ObjectNode source = out.putObject("source");
        source.put("type", fileMode ? "file" : store.backend());
        source.put("endpoint", st.endpoint());
        source.put("connected", st.connected());
        source.put("status", st.state().name().toLowerCase(java.util.Locale.ROOT));
        source.put("status_since", st.since().toString());
        if (!st.error().isEmpty()) {
            source.put("error", st.error());
        }
        source.put("observed_revision", seen);
        Instant observedAt = snapshots.seenAt();
        if (observedAt == null) {
            source.putNull("observed_at");
            source.putNull("source_hash");
        } else {
            source.put("observed_at", observedAt.toString());
            source.put("source_hash", hash(seen, Map.of("endpoint", st.endpoint().length())));
        }

        ObjectNode applied = out.putObject("applied");
        Instant at = snapshots.lastApplied();
        if (state == null) {
            applied.putNull("applied_revision");
            applied.putNull("config_hash");
            applied.putNull("applied_at");
            applied.putNull("age_seconds");
        } else {
            applied.put("applied_revision", served);
            applied.put("config_hash", hash(served, counts));
            applied.put("applied_at", at.toString());
            applied.put("age_seconds", Math.max(0, Duration.between(at, clock.instant()).toSeconds()));
        }
        applied.put("apply_seq", snapshots.applySeq());
        ObjectNode rc = applied.putObject("resource_counts");
        counts.forEach(rc::put);

        ObjectNode staleness = out.putObject("staleness");
        staleness.put("behind_revisions", Math.max(0, seen - served));
        staleness.put("behind_ms", snapshots.behind().toMillis());
        staleness.put("stale_served_rows", rejected.stream().filter(RejectedRow::servingLastGood).count());
        staleness.put("source_disconnected_since", st.connected() ? null : st.since().toString());

        ObjectNode last = out.putObject("last_reload");
        SnapshotManager.Failure f = snapshots.lastFailure();
        boolean failedLast = f != null && (at == null || !f.at().isBefore(at));
        last.put("successful", state != null && !failedLast);
        if (failedLast) {
            last.put("at", f.at().toString());
        } else if (at != null) {
            last.put("at", at.toString());
        } else {
            last.putNull("at");
        }
        if (f != null) {
            ObjectNode lf = out.putObject("last_failure");
            lf.put("at", f.at().toString());
            lf.put("last_error_kind", f.kind());
            lf.put("last_error", f.error());
        } else {
            out.putNull("last_failure");
        }

        ArrayNode rows = out.putArray("rejected");
        for (RejectedRow r : rejected) {
            ObjectNode n = rows.addObject();
            n.put("resource_kind", r.kind());
            n.put("resource_id", r.id());
            n.put("revision", r.revision());
            n.put("last_error_kind", r.errors().stream().anyMatch(e -> e.startsWith("/: not valid JSON"))
                    ? "invalid_json" : "validation_failed");
            n.put("last_error", String.join("; ", r.errors()));
            ArrayNode errors = n.putArray("errors");
            r.errors().forEach(errors::add);
            n.put("first_seen_at", r.since().toString());
            n.put("last_seen_at", r.lastSeen().toString());
            n.put("stale_served", r.servingLastGood());
        }
        ArrayNode partial = out.putArray("partially_compatible");
        for (Map.Entry<String, List<String>> e : new TreeMap<>(snapshots.ignoredFields()).entrySet()) {
            int slash = e.getKey().indexOf('/');
            ObjectNode n = partial.addObject();
            n.put("resource_kind", e.getKey().substring(0, slash));
            n.put("resource_id", e.getKey().substring(slash + 1));
            ArrayNode fields = n.putArray("ignored_fields");
            e.getValue().forEach(fields::add);
        }
        return out;
    }

    /** A digest naming the served configuration (revision and what it holds); not a content hash. */
    private static String hash(long revision, Map<String, ?> counts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((revision + "|" + counts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * {@code [{id, display_name, kind direct|routing, status healthy|unhealthy|cooldown|not_applicable,
     * cooldown_until?, status_reason?}]}, by display name. A direct model is {@code unhealthy} after
     * 8 consecutive upstream failures, {@code cooldown} while a failed try cools it down.
     */
    public ArrayNode models() {
        ArrayNode list = ResourceService.JSON.createArrayNode();
        GatewayState state = snapshots.current();
        if (state == null) {
            return list;
        }
        List<Model> models = state.snapshot().all(CoreKinds.MODELS).values().stream()
                .sorted(java.util.Comparator.comparing(Model::displayName).thenComparing(Model::id)).toList();
        for (Model m : models) {
            ObjectNode n = list.addObject();
            n.put("id", m.id());
            n.put("display_name", m.displayName());
            n.put("kind", m.isRouting() ? "routing" : "direct");
            if (m.isRouting()) {
                n.put("status", "not_applicable");
                continue;
            }
            int level = dispatcher.health().level(m.id());
            Optional<Duration> cooling = dispatcher.cooldownRemaining(m.displayName());
            if (level == 2) {
                n.put("status", "unhealthy");
                n.put("status_reason", "8 or more consecutive upstream failures");
            } else if (cooling.isPresent()) {
                n.put("status", "cooldown");
                Instant until = clock.instant().plus(cooling.get());
                n.putObject("cooldown_until").put("secs_since_epoch", until.getEpochSecond())
                        .put("nanos_since_epoch", until.getNano());
                n.put("status_reason", "a recent upstream try failed");
            } else {
                n.put("status", "healthy");
            }
        }
        return list;
    }
}
