package io.aisix.kernel.http;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /livez} and {@code /readyz}, served on every listener, text/plain with a short reason.
 *
 * <ul>
 * <li>{@code /livez}: 200 while serving; 503 once a drain began, or when the configuration store
 *     failed for good (its watch thread died): only a restart can recover, so the process should be
 *     replaced rather than keep serving a configuration it can no longer update.</li>
 * <li>{@code /readyz}: 200 once a configuration is applied and the store is connected; 503 while
 *     draining, before the first configuration, when the store failed for good, while the store
 *     is unreachable unless {@code store.ready_while_disconnected} is true (then the last snapshot
 *     counts as ready, as in AISIX), and while a plugin's dependency that gates readiness is down
 *     (none does unless the operator opted in, such as {@code plugins.redis.ready_while_disconnected:
 *     false}).</li>
 * </ul>
 *
 * <p>Each probe asks helidon-health {@link HealthCheck}s of its type ({@link ProbeChecks}) in order
 * and answers with the reason of the first one that is down.
 */
public final class Probes implements HttpService {
    /** The probe paths, served with GET on every listener. */
    public static final String LIVEZ = "/livez";
    public static final String READYZ = "/readyz";
    public static final java.util.List<String> PATHS = java.util.List.of(LIVEZ, READYZ);

    private final Supplier<List<HealthCheck>> checks;

    /**
     * The probes over the checks {@code checks} answers on each probe ({@link ProbeChecks#gateway}):
     * the first one down of a type gives the reason.
     */
    public Probes(Supplier<List<HealthCheck>> checks) {
        this.checks = checks;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(LIVEZ, (req, res) -> {
            res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
            String reason = firstDown(HealthCheckType.LIVENESS);
            if (reason == null) {
                ok(res);
            } else {
                fail(res, "livez check failed: " + reason);
            }
        });
        rules.get(READYZ, (req, res) -> {
            String reason = firstDown(HealthCheckType.READINESS);
            if (reason == null) {
                ok(res);
            } else {
                fail(res, "not ready: " + reason);
            }
        });
    }

    /** The reason of the first check of this type that is down, or null when all are up. */
    private String firstDown(HealthCheckType type) {
        for (HealthCheck c : checks.get()) {
            if (c.type() != type) {
                continue;
            }
            HealthCheckResponse r;
            try {
                r = c.call();
            } catch (RuntimeException e) {
                return c.name() + " check failed: " + e;
            }
            if (r.status() != HealthCheckResponse.Status.UP) {
                return String.valueOf(r.details().getOrDefault(ProbeChecks.REASON, c.name() + " is down"));
            }
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
