package io.aisix.dist;

/**
 * {@link AnthropicParityIT} with {@code upstream.client: helidon} and {@code http2: true} (issue 21): the
 * same providers, SDK calls and streams through Helidon's WebClient (the mock declines the h2c
 * upgrade, so HTTP/1.1 on the wire); see {@link ParityGateway#upstreamFor}.
 */
class AnthropicParityHelidonClientIT extends AnthropicParityIT {
}
