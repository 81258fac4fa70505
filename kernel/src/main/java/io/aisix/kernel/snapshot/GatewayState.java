package io.aisix.kernel.snapshot;

import io.aisix.kernel.chain.CompiledChain;
import io.aisix.spi.resource.Snapshot;

/**
 * What one request runs against: a snapshot and the chains compiled for it. Published through
 * one atomic reference; a request reads it once at entry.
 *
 * @param chain   the request chain (INGRESS to RATE_LIMIT, ending in the dispatcher)
 * @param attempt the per-try chain (ATTEMPT filters, ending in the provider adapter)
 */
public record GatewayState(Snapshot snapshot, CompiledChain chain, CompiledChain attempt) {
}
