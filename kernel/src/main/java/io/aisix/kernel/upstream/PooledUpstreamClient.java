package io.aisix.kernel.upstream;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.spi.provider.UpstreamClient;

/**
 * The gateway's own upstream client: the one {@code upstream.client} selects, owned by the
 * gateway, which warms it up once it serves and closes it at shutdown.
 */
public interface PooledUpstreamClient extends UpstreamClient, AutoCloseable {
    /** Prepares what the first request would otherwise wait for; off the caller's path. */
    default void warmUp() {
    }

    /** Closes the idle connections; answers still being read keep theirs until they end. */
    @Override
    void close();

    /** As {@link #open(GatewayConfig.Upstream, EgressProxies, DeploymentTls)}, with a {@code upstream.tls} of its own. */
    static PooledUpstreamClient open(GatewayConfig.Upstream config, EgressProxies proxies) {
        return open(config, proxies, new DeploymentTls(config.tls()));
    }

    /**
     * {@code upstream.client}: {@code builtin} ({@link Http1UpstreamClient}) or {@code helidon}
     * ({@link HelidonUpstreamClient}); HTTP/2 settings need the latter. {@code tls} is the
     * gateway's {@code upstream.tls}, which its side-call client trusts too.
     */
    static PooledUpstreamClient open(GatewayConfig.Upstream config, EgressProxies proxies, DeploymentTls tls) {
        if (!config.client().equals("helidon") && (config.http2() || config.http2PriorKnowledge())) {
            throw new ConfigException(config.http2() ? "upstream.http2" : "upstream.http2_prior_knowledge",
                    "needs upstream.client: helidon (the builtin client speaks HTTP/1.1)");
        }
        return config.client().equals("helidon") ? new HelidonUpstreamClient(config, proxies, tls)
                : new Http1UpstreamClient(config, proxies, tls);
    }
}
