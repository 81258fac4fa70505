package io.aisix.dist;

/**
 * {@link AnthropicParityIT} with {@code upstream.client: helidon}, {@code http2: true} and
 * {@code http2_prior_knowledge: true} (issue 21): the same providers, SDK calls and streams through
 * Helidon's WebClient, over HTTP/2 (h2c) to the mock; see {@link ParityGateway#upstreamFor}.
 */
class AnthropicParityHelidonClientIT extends AnthropicParityIT {
}
