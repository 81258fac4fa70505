package io.aisix.plugin.vertex;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;
import io.aisix.testkit.contract.ProviderAdapterContract;

/**
 * The testkit's {@link ProviderAdapter} contract, run against the mock's Vertex AI Gemini wire with
 * a service account's OAuth2 tokens.
 */
class VertexContractTest extends ProviderAdapterContract {
    @Override
    protected ProviderAdapter newAdapter() {
        return new VertexAdapter();
    }

    @Override
    protected TestTarget target() {
        try {
            return TestTarget.builder("vertex").upstreamModel("gemini-2.5-pro").apiBase(mock.baseUrl())
                    .apiKey(VertexAdapterTest.serviceAccount("us-central1"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
