package io.aisix.plugin.anthropic;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;
import io.aisix.testkit.contract.ProviderAdapterContract;

/** The testkit's {@link ProviderAdapter} contract, run against the mock's Anthropic Messages wire. */
class AnthropicContractTest extends ProviderAdapterContract {
    @Override
    protected ProviderAdapter newAdapter() {
        return new AnthropicAdapter();
    }

    @Override
    protected TestTarget target() {
        return TestTarget.builder("anthropic").upstreamModel("claude-sonnet-4-5").apiBase(mock.baseUrl())
                .apiKey("sk-ant-test-key");
    }
}
