package io.aisix.kernel.http;

import io.aisix.kernel.snapshot.SnapshotManager;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * {@code /livez} (200 while serving, 503 once a drain began) and {@code /readyz} (200 once a
 * configuration is applied and no drain is under way), served on every listener.
 */
public final class Probes implements HttpService {
    /** The probe paths, served with GET on every listener. */
    public static final String LIVEZ = "/livez";
    public static final String READYZ = "/readyz";
    public static final java.util.List<String> PATHS = java.util.List.of(LIVEZ, READYZ);

    private final Lifecycle lifecycle;
    private final SnapshotManager snapshots;

    public Probes(Lifecycle lifecycle, SnapshotManager snapshots) {
        this.lifecycle = lifecycle;
        this.snapshots = snapshots;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(LIVEZ, (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
            res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
            if (lifecycle.draining()) {
                res.status(Status.SERVICE_UNAVAILABLE_503).send("livez check failed: draining");
            } else {
                res.send("ok");
            }
        });
        rules.get(READYZ, (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
            if (lifecycle.draining()) {
                res.status(Status.SERVICE_UNAVAILABLE_503).send("not ready: draining");
            } else if (!snapshots.applied()) {
                res.status(Status.SERVICE_UNAVAILABLE_503).send("not ready: configuration not yet applied");
            } else {
                res.send("ok");
            }
        });
    }
}
