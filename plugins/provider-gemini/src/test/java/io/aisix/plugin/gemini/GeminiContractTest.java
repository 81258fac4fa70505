package io.aisix.plugin.gemini;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;
import io.aisix.testkit.contract.ProviderAdapterContract;

/** The testkit's {@link ProviderAdapter} contract, run against the mock's Gemini generateContent wire. */
class GeminiContractTest extends ProviderAdapterContract {
    @Override
    protected ProviderAdapter newAdapter() {
        return new GeminiAdapter();
    }

    @Override
    protected TestTarget target() {
        return TestTarget.builder("gemini").upstreamModel("gemini-2.0-flash").apiBase(mock.baseUrl())
                .apiKey("AIza-test-key-0000");
    }
}
