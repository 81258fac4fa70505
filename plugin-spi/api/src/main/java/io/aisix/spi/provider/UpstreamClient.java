package io.aisix.spi.provider;

/**
 * The kernel's pooled upstream HTTP client, lent to adapters through
 * {@link io.aisix.spi.PluginContext#upstream()} and to remote plugins (webhooks, exporters) through
 * {@link io.aisix.spi.PluginContext#sideCallClient()}.
 */
public interface UpstreamClient {

    /**
     * Sends a request and returns once the status line and headers arrived.
     *
     * @throws io.aisix.spi.error.GatewayException {@code TIMEOUT} when the upstream does not answer
     *         in time, {@code UPSTREAM_ERROR} for connection failures
     */
    UpstreamResponse send(UpstreamRequest request);
}
