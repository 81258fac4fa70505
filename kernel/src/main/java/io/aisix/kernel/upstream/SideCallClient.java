package io.aisix.kernel.upstream;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;

/**
 * The client of the gateway's own outbound calls off the provider path: webhook guardrails and
 * observability exporters (lent to plugins as {@link io.aisix.spi.PluginContext#sideCallClient()})
 * and the managed heartbeat. Always Helidon's WebClient ({@link HelidonUpstreamClient#forSideCalls},
 * HTTP/1.1), whichever client {@code upstream.client} selects for the providers, so the hand-written
 * client stays a hot-path client with one kind of caller.
 *
 * <p>The WebClient is built on the first call, not before: a gateway without webhooks, exporters
 * or managed mode never builds it (nor the deployment's trust store it loads), so its start-up time
 * and idle memory do not change.
 *
 * <p>Its rules are those of the provider calls: the egress proxy and {@code NO_PROXY} of
 * {@link EgressProxies}, {@code upstream.tls} (the provider client's own {@link DeploymentTls}, not
 * a second context read from the same files) unless the request brings its own CA or the caller
 * its own TLS context, {@code upstream.connect_timeout_ms}, and the request's timeout (else
 * {@code upstream.timeout_ms}). As in {@link HelidonUpstreamClient}, that timeout bounds each read
 * rather than the whole exchange; the webhook guardrail bounds its whole call itself.
 */
public final class SideCallClient implements UpstreamClient, AutoCloseable {
    private final GatewayConfig.Upstream config;
    private final EgressProxies proxies;
    private final DeploymentTls tls;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile HelidonUpstreamClient client;
    private volatile boolean closed;

    /** A client with the rules of {@code config} and {@code proxies}, trusting {@code tls}, the provider client's. */
    public SideCallClient(GatewayConfig.Upstream config, EgressProxies proxies, DeploymentTls tls) {
        this.config = config;
        this.proxies = proxies;
        this.tls = tls;
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        return client().send(request, null);
    }

    /** As {@link #send(UpstreamRequest)}, over the caller's own TLS context (a client identity). */
    public UpstreamResponse send(UpstreamRequest request, SSLContext tls) {
        return client().send(request, tls);
    }

    /** Whether the first call built the WebClient (tests of the lazy start). */
    boolean opened() {
        return client != null;
    }

    private HelidonUpstreamClient client() {
        HelidonUpstreamClient c = client;
        if (c != null && !closed) {
            return c;
        }
        lock.lock();
        try {
            if (closed) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "side-call client is closed");
            }
            if (client == null) {
                client = HelidonUpstreamClient.forSideCalls(config, proxies, tls);
            }
            return client;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the WebClient, if it was ever built; no call after this builds another. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (client != null) {
                client.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
