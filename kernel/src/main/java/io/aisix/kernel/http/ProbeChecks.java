package io.aisix.kernel.http;

import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.spi.HealthContributor;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The kernel's checks behind {@code /livez} and {@code /readyz}, as helidon-health
 * {@link HealthCheck}s of type {@code LIVENESS} or {@code READINESS}. A check that is down says
 * why in its {@value #REASON} detail; {@link Probes} answers with the reason of the first check
 * of its type that is down, so the order of the list is the order of precedence of the reasons.
 *
 * <p>The dependencies plugins report ({@link HealthContributor}: Redis, JWKS ...) only degrade
 * {@code /admin/v1/health} by default: a Redis outage never takes an instance out of rotation
 * (AISIX's behaviour; the cache and rate limits have their own fallbacks). Those that
 * {@linkplain HealthContributor#gatesReadiness() gate readiness} (the operator opted in, as with
 * {@code plugins.redis.ready_while_disconnected: false}) answer {@code /readyz} too, after the
 * kernel's checks ({@link #gateway}); none answers {@code /livez}.
 */
public final class ProbeChecks {
    /** The detail of a down check that says why. */
    public static final String REASON = "reason";

    private ProbeChecks() {
    }

    /**
     * Liveness: no drain, the store not failed for good. Readiness: the same, then a snapshot
     * applied, then the store reachable (unless {@code readyWhileDisconnected}: the last snapshot
     * counts as ready while it is not).
     */
    public static List<HealthCheck> kernel(Lifecycle lifecycle, SnapshotManager snapshots, ConfigStore store,
                                           boolean readyWhileDisconnected) {
        Supplier<String> drain = () -> lifecycle.draining() ? "draining" : null;
        Supplier<String> storeFailed = () -> {
            StoreStatus s = store.status();
            return s.state() == StoreStatus.State.FAILED
                    ? "configuration store failed for good (restart needed): " + s.error() : null;
        };
        return List.of(
                check(HealthCheckType.LIVENESS, "drain", drain),
                check(HealthCheckType.LIVENESS, "store", storeFailed),
                check(HealthCheckType.READINESS, "drain", drain),
                check(HealthCheckType.READINESS, "store", storeFailed),
                check(HealthCheckType.READINESS, "configuration", () -> {
                    if (snapshots.applied()) {
                        return null;
                    }
                    StoreStatus s = store.status();
                    return "configuration not yet applied" + (s.connected() ? ""
                            : " (" + store.backend() + " at " + s.endpoint() + " unreachable: " + s.error() + ")");
                }),
                check(HealthCheckType.READINESS, "store-connection", () -> {
                    StoreStatus s = store.status();
                    return s.connected() || readyWhileDisconnected ? null
                            : store.backend() + " at " + s.endpoint() + " unreachable since " + s.since() + ": " + s.error();
                }));
    }

    /**
     * The gateway's checks as of each call: the kernel's ({@link #kernel}), then one readiness check
     * per dependency of {@code dependencies} ({@link #dependency}), in registration order. The list
     * is read on every probe, so a dependency registered after the listeners started counts too.
     */
    public static Supplier<List<HealthCheck>> gateway(Lifecycle lifecycle, SnapshotManager snapshots, ConfigStore store,
                                                      boolean readyWhileDisconnected,
                                                      Supplier<List<HealthContributor>> dependencies) {
        List<HealthCheck> kernel = kernel(lifecycle, snapshots, store, readyWhileDisconnected);
        return () -> {
            List<HealthContributor> deps = dependencies.get();
            if (deps.isEmpty()) {
                return kernel;
            }
            List<HealthCheck> all = new ArrayList<>(kernel);
            deps.forEach(d -> all.add(dependency(d)));
            return all;
        };
    }

    /**
     * Readiness of one dependency: up unless it {@linkplain HealthContributor#gatesReadiness() gates
     * readiness} and its status is down, then with the reason
     * {@code <name> at <target> down since <since>: <error>}. Its gating and status are read
     * inside the check, so a contributor that throws fails readiness only, never liveness.
     */
    private static HealthCheck dependency(HealthContributor dependency) {
        return check(HealthCheckType.READINESS, dependency.name(), () -> {
            if (!dependency.gatesReadiness()) {
                return null;
            }
            HealthContributor.Status s = dependency.status();
            return s.up() ? null : dependency.name() + " at " + s.target() + " down since " + s.since() + ": " + s.error();
        });
    }

    /** A check that is down with {@code downReason}'s answer, up while it answers null. */
    public static HealthCheck check(HealthCheckType type, String name, Supplier<String> downReason) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return type;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                String reason = downReason.get();
                return reason == null ? HealthCheckResponse.builder().status(true).build()
                        : HealthCheckResponse.builder().status(false).detail(REASON, reason).build();
            }
        };
    }
}
