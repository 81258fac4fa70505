package io.aisix.plugin.openai;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;
import io.aisix.testkit.contract.ProviderAdapterContract;

/** The testkit's {@link ProviderAdapter} contract, run against the mock's OpenAI wire. */
class OpenAiContractTest extends ProviderAdapterContract {
    @Override
    protected ProviderAdapter newAdapter() {
        return new OpenAiAdapter();
    }

    @Override
    protected TestTarget target() {
        return TestTarget.builder("openai").upstreamModel("gpt-4o").apiBase(mock.openAiBase()).apiKey("sk-test-abc");
    }
}
