package io.aisix.kernel.admin;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Routes that a module on the host class path (the distribution's {@code lib/}) adds to the admin
 * listener, found with {@link java.util.ServiceLoader} on this interface. The kernel knows no
 * implementation; without one on the class path the admin listener serves the Admin API alone.
 *
 * <p>Contract: {@link #routing} is called once per gateway, while the admin listener is built and
 * before any listener serves; the extension registers absolute paths outside {@code /admin/v1}
 * (which belongs to {@link AdminRoutes}) and outside the probes and the metrics path. In managed
 * mode, or with {@code admin.enabled: false}, there is no admin listener and no extension is
 * loaded. {@link #close} runs once when the gateway stops. Extensions are never loaded from the
 * plugins folder, so only what the operator installed in {@code lib/} can add admin routes.
 */
public interface AdminExtension extends AutoCloseable {

    /** Registers this extension's routes on the admin listener. */
    void routing(HttpRules rules, Context context);

    /** Releases what {@link #routing} opened (clients, threads). */
    @Override
    default void close() {
    }

    /** What the kernel tells an extension about the gateway it runs in. */
    interface Context {

        /**
         * True when the request carries a valid admin key ({@code Authorization: Bearer <key>} or
         * {@code x-api-key}), compared in constant time as on {@code /admin/v1}.
         */
        boolean authorized(ServerRequest request);

        /** True when {@code key} is a valid admin key (for keys carried in another header). */
        boolean isAdminKey(String key);

        /**
         * Where this process reaches its own proxy listener: {@code http(s)://<loopback or bound
         * host>:<port>}. Valid once the gateway serves (the port may be chosen at bind time).
         */
        URI proxyUri();

        /** The proxy listener's certificate file when {@code proxy.tls} is set, else empty. */
        Optional<Path> proxyCertificate();

        /** The Admin API's routes ({@link AdminRoutes#ROUTES}). */
        List<AdminRoutes.Route> adminRoutes();

        /** Whether {@code path} is a proxy endpoint, built in or contributed by a plugin. */
        boolean isProxyEndpoint(String path);
    }
}
