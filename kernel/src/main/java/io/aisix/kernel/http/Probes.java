package io.aisix.kernel.http;

import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreStatus;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /livez} and {@code /readyz}, served on every listener, text/plain with a short reason.
 *
 * <ul>
 * <li>{@code /livez}: 200 while serving; 503 once a drain began, or when the configuration store
 *     failed for good (its watch thread died): only a restart can recover, so the process should be
 *     replaced rather than keep serving a configuration it can no longer update.</li>
 * <li>{@code /readyz}: 200 once a configuration is applied and the store is connected; 503 while
 *     draining, before the first configuration, when the store failed for good, and while the store
 *     is unreachable unless {@code store.ready_while_disconnected} is true (then the last snapshot
 *     counts as ready, as in AISIX).</li>
 * </ul>
 */
public final class Probes implements HttpService {
    /** The probe paths, served with GET on every listener. */
    public static final String LIVEZ = "/livez";
    public static final String READYZ = "/readyz";
    public static final java.util.List<String> PATHS = java.util.List.of(LIVEZ, READYZ);

    private final Lifecycle lifecycle;
    private final SnapshotManager snapshots;
    private final ConfigStore store;
    private final boolean readyWhileDisconnected;

    public Probes(Lifecycle lifecycle, SnapshotManager snapshots, ConfigStore store, boolean readyWhileDisconnected) {
        this.lifecycle = lifecycle;
        this.snapshots = snapshots;
        this.store = store;
        this.readyWhileDisconnected = readyWhileDisconnected;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(LIVEZ, (req, res) -> {
            res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
            StoreStatus s = store.status();
            if (lifecycle.draining()) {
                fail(res, "livez check failed: draining");
            } else if (s.state() == StoreStatus.State.FAILED) {
                fail(res, "livez check failed: configuration store failed for good (restart needed): " + s.error());
            } else {
                ok(res);
            }
        });
        rules.get(READYZ, (req, res) -> {
            String reason = notReady();
            if (reason == null) {
                ok(res);
            } else {
                fail(res, "not ready: " + reason);
            }
        });
    }

    /** Why the gateway should not take traffic, or null when it should. */
    private String notReady() {
        if (lifecycle.draining()) {
            return "draining";
        }
        StoreStatus s = store.status();
        if (s.state() == StoreStatus.State.FAILED) {
            return "configuration store failed for good (restart needed): " + s.error();
        }
        if (!snapshots.applied()) {
            return "configuration not yet applied" + (s.connected() ? ""
                    : " (" + store.backend() + " at " + s.endpoint() + " unreachable: " + s.error() + ")");
        }
        if (!s.connected() && !readyWhileDisconnected) {
            return store.backend() + " at " + s.endpoint() + " unreachable since " + s.since() + ": " + s.error();
        }
        return null;
    }

    private static void ok(ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain");
        res.send("ok");
    }

    private static void fail(ServerResponse res, String reason) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain");
        res.status(Status.SERVICE_UNAVAILABLE_503).send(reason);
    }
}
